package dev.emperor.agent;

import java.util.Map;
import java.util.Optional;

/**
 * The environment contract between the emperor and a worker process: the variables the
 * emperor sets, and the worker's view of them. Part of the wire protocol: any language
 * reads the same names.
 *
 * @param vassal the vassal's name ({@value #VASSAL})
 * @param worker the worker's id, 1..processes ({@value #WORKER})
 * @param socket the emperor's socket path for heartbeats, if the emperor offers one ({@value #SOCKET})
 * @param token  the per-worker secret the agent presents on that socket ({@value #TOKEN})
 */
public record WorkerEnvironment(String vassal, int worker, Optional<String> socket, Optional<String> token) {

    public static final String VASSAL = "EMPEROR_VASSAL";
    public static final String WORKER = "EMPEROR_WORKER";
    public static final String SOCKET = "EMPEROR_SOCKET";
    public static final String TOKEN = "EMPEROR_TOKEN";

    /** This process's view, or empty when it was not started by an emperor. */
    public static Optional<WorkerEnvironment> current() {
        return from(System.getenv());
    }

    /** The view from {@code env}, or empty when {@value #VASSAL} or a valid {@value #WORKER} is missing. */
    public static Optional<WorkerEnvironment> from(Map<String, String> env) {
        String vassal = env.get(VASSAL);
        String worker = env.get(WORKER);
        if (vassal == null || vassal.isEmpty() || worker == null) return Optional.empty();
        int id;
        try {
            id = Integer.parseInt(worker);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (id < 1) return Optional.empty();
        return Optional.of(new WorkerEnvironment(vassal, id, Optional.ofNullable(env.get(SOCKET)),
                Optional.ofNullable(env.get(TOKEN))));
    }

    /** The variables the emperor sets for this worker. */
    public Map<String, String> toVariables() {
        java.util.Map<String, String> vars = new java.util.LinkedHashMap<>();
        vars.put(VASSAL, vassal);
        vars.put(WORKER, Integer.toString(worker));
        socket.ifPresent(s -> vars.put(SOCKET, s));
        token.ifPresent(t -> vars.put(TOKEN, t));
        return vars;
    }
}
