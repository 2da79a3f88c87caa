package dev.emperor.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one result every format parses into: options in the order they were written, a key
 * repeated as often as it appears (repeated keys are lists, as in uWSGI). Immutable.
 */
public final class OptionModel {

    private final List<OptionValue> values;

    public OptionModel(List<OptionValue> values) {
        this.values = List.copyOf(values);
    }

    /** Every occurrence, in order. */
    public List<OptionValue> values() {
        return values;
    }

    /** The distinct keys, in order of first appearance. */
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        for (OptionValue v : values) {
            keys.add(v.key());
        }
        return keys;
    }

    /** Every occurrence of one key, in order. */
    public List<OptionValue> all(String key) {
        List<OptionValue> out = new ArrayList<>();
        for (OptionValue v : values) {
            if (v.key().equals(key)) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * The value that counts for a single-valued option: the last one written, so that a later
     * line (or an included file) overrides an earlier one.
     */
    public Optional<OptionValue> last(String key) {
        for (int i = values.size() - 1; i >= 0; i--) {
            if (values.get(i).key().equals(key)) {
                return Optional.of(values.get(i));
            }
        }
        return Optional.empty();
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** One {@code key = value} line each, in order: the form of {@code emperor config show}. */
    public String show() {
        StringBuilder sb = new StringBuilder();
        for (OptionValue v : values) {
            sb.append(v.key()).append(" = ").append(v.value()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptionModel other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "OptionModel" + values;
    }
}
