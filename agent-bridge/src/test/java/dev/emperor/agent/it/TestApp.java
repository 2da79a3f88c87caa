package dev.emperor.agent.it;

import dev.emperor.agent.EmperorAgent;
import java.util.ArrayList;
import java.util.List;

/**
 * The app the end-to-end tests run in a child JVM (with the agent jar on its class path via
 * -javaagent). Modes:
 * <ul>
 * <li>{@code serve}: reports progress and a counter, says ready, waits to be killed</li>
 * <li>{@code deadlock}: deadlocks two threads on monitors, waits to be killed</li>
 * <li>{@code exit N}: exits with N at once</li>
 * <li>{@code launch MODE...}: a launcher: runs another JVM (same java, class path and
 *     environment, so the same JAVA_TOOL_OPTIONS) with MODE..., and exits with its code</li>
 * </ul>
 * It first prints {@code agent-threads=N daemon=B}: how many "emperor-agent" threads run.
 */
public final class TestApp {

    private static final Object A = new Object();
    private static final Object B = new Object();

    public static void main(String[] args) throws Exception {
        long agents = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("emperor-agent")).count();
        boolean daemon = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("emperor-agent")).allMatch(Thread::isDaemon);
        System.out.println("agent-threads=" + agents + " daemon=" + daemon);
        System.out.flush();
        switch (args[0]) {
            case "serve":
                EmperorAgent.start(); // a no-op beside -javaagent: must not start a second thread
                EmperorAgent.counter("served").inc(3);
                EmperorAgent.progress(3);
                EmperorAgent.ready();
                waitForever();
                break;
            case "deadlock":
                start(() -> cross(A, B));
                start(() -> cross(B, A));
                waitForever();
                break;
            case "exit":
                System.exit(Integer.parseInt(args[1]));
                break;
            case "launch": {
                List<String> command = new ArrayList<>(List.of(
                        ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                        TestApp.class.getName()));
                command.addAll(List.of(args).subList(1, args.length));
                Process p = new ProcessBuilder(command).inheritIO().start();
                System.exit(p.waitFor());
                break;
            }
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
    }

    private static final java.util.concurrent.CountDownLatch BOTH_HOLD_ONE = new java.util.concurrent.CountDownLatch(2);

    private static void cross(Object first, Object second) {
        synchronized (first) {
            BOTH_HOLD_ONE.countDown();
            try {
                BOTH_HOLD_ONE.await(); // each holds its first monitor: now both reach for the other's
            } catch (InterruptedException e) {
                return;
            }
            synchronized (second) {
                System.out.println("no deadlock?");
            }
        }
    }

    private static void waitForever() throws InterruptedException {
        Object forever = new Object();
        synchronized (forever) {
            while (true) forever.wait();
        }
    }
}
