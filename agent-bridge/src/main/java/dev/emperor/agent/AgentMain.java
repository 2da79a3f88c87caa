package dev.emperor.agent;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The -javaagent entry points (Premain-Class and Agent-Class of agent-bridge.jar). They start
 * the agent thread through {@link EmperorAgent#start()} and return at once: the app's start
 * is never delayed by the emperor, and nothing here can make it fail.
 *
 * <p>With {@code agent = true} or run-program the agent travels in JAVA_TOOL_OPTIONS, so it
 * loads in every JVM the worker starts; each one says hello with its own pid and the emperor
 * picks its worker. The one JVM that must stay silent is run-program's own wrapper JVM when
 * JAVA_TOOL_OPTIONS already carried the agent: its child is the app.
 */
public final class AgentMain {

    private AgentMain() {
    }

    public static void premain(String args) {
        begin();
    }

    public static void agentmain(String args) {
        begin();
    }

    private static void begin() {
        try {
            if (isRunProgramWrapper()) return;
            EmperorAgent.start();
        } catch (Throwable t) {
            // Never fail the app's start-up because of the agent.
            Reporter.log("not started (" + t + ")");
        }
    }

    /** True in {@code java -jar agent-bridge.jar ...} or {@code java -cp ... dev.emperor.agent.Main ...}. */
    static boolean isRunProgramWrapper() {
        String command = System.getProperty("sun.java.command", "").trim();
        int space = command.indexOf(' ');
        String first = space < 0 ? command : command.substring(0, space);
        if (first.equals(Main.class.getName())) return true;
        if (!first.endsWith(".jar")) return false;
        Path ours = Main.ownJar();
        try {
            return ours != null && Files.isSameFile(Path.of(first), ours);
        } catch (Exception e) {
            return false;
        }
    }
}
