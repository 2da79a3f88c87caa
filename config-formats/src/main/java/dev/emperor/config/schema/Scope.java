package dev.emperor.config.schema;

/**
 * Where an option belongs: the emperor's own settings, a vassal's file, or both. In a
 * {@code [uwsgi]} vassal file the options the schema does not know pass through to uwsgi
 * untouched (they are uWSGI's ~1000 options, not ours to judge).
 */
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
