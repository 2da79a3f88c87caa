package dev.emperor.agent.protocol;

/** How bad an {@link Message.Event} is; on the wire the lower-case name. */
public enum Severity {
    INFO("info"),
    WARNING("warning"),
    ERROR("error");

    private final String wire;

    Severity(String wire) {
        this.wire = wire;
    }

    /** The name on the wire: {@code info}, {@code warning} or {@code error}. */
    public String wireName() {
        return wire;
    }

    /** The severity with this wire name, or null. */
    public static Severity fromWire(String name) {
        switch (name) {
            case "info": return INFO;
            case "warning": return WARNING;
            case "error": return ERROR;
            default: return null;
        }
    }
}
