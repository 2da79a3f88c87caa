package dev.emperor.config.schema;

/** Where an option belongs: the emperor's own settings, a vassal's file, or both. */
public enum Scope {
    EMPEROR,
    VASSAL,
    BOTH;

    public boolean vassal() {
        return this != EMPEROR;
    }

    public boolean emperor() {
        return this != VASSAL;
    }
}
