package dev.emperor.vassal.process;

/** A worker could not be started; the message says why in an operator's words. */
public final class LaunchException extends Exception {

    public LaunchException(String message) {
        super(message, null, false, false);
    }
}
