package dev.emperor.vassal;

/** A scheduled event that may be called off. */
@FunctionalInterface
public interface Cancellable {
    void cancel();

    Cancellable NONE = () -> { };
}
