package dev.emperor.hooks;

import java.time.Duration;
import java.util.List;

/**
 * The emperor's {@code on-event} lines and {@code on-event-timeout}.
 *
 * @param hooks   in the order written
 * @param timeout past it a hook's process group is killed
 */
public record HookSettings(List<OnEvent> hooks, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final HookSettings NONE = new HookSettings(List.of(), DEFAULT_TIMEOUT);

    public HookSettings {
        hooks = List.copyOf(hooks);
    }
}
