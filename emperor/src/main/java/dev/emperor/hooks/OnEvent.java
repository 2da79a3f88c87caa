package dev.emperor.hooks;

import dev.emperor.vassal.CommandWords;
import dev.emperor.vassal.VassalAlert;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One {@code on-event} line: {@code [EVENT[,EVENT...]:] COMMAND}. The text before the first
 * colon is a filter when it is only a comma-separated list of names (letters and dashes); an
 * unknown name there is an error, so a typo never silently matches nothing. The command is
 * split like a vassal's {@code command}: no shell unless {@code /bin/sh -c} is written.
 *
 * @param events the events it runs for (all of them when the line has no filter)
 * @param argv   the program and its arguments
 */
public record OnEvent(Set<VassalAlert.Kind> events, List<String> argv) {

    private static final Pattern FILTER = Pattern.compile("\\s*[A-Za-z_-]+(\\s*,\\s*[A-Za-z_-]+)*\\s*");

    public OnEvent {
        events = Set.copyOf(events);
        argv = List.copyOf(argv);
    }

    /** Parses one value; the message of the exception says what is wrong, for {@code FILE:LINE: on-event: ...}. */
    public static OnEvent parse(String value) {
        Set<VassalAlert.Kind> events = EnumSet.allOf(VassalAlert.Kind.class);
        String command = value;
        int colon = value.indexOf(':');
        if (colon > 0 && FILTER.matcher(value.substring(0, colon)).matches()) {
            events = EnumSet.noneOf(VassalAlert.Kind.class);
            for (String name : value.substring(0, colon).split(",")) {
                events.add(kind(name.strip()));
            }
            command = value.substring(colon + 1);
        }
        List<String> argv = CommandWords.split(command.strip());
        if (argv.isEmpty()) throw new IllegalArgumentException("expected [EVENT[,EVENT...]:] COMMAND, found no command");
        return new OnEvent(events, argv);
    }

    public boolean matches(VassalAlert.Kind kind) {
        return events.contains(kind);
    }

    private static VassalAlert.Kind kind(String name) {
        for (VassalAlert.Kind k : VassalAlert.Kind.values()) {
            if (k.label().equalsIgnoreCase(name)) return k;
        }
        throw new IllegalArgumentException("unknown event '" + name + "' (known: " + Arrays.stream(VassalAlert.Kind.values())
                .map(VassalAlert.Kind::label).collect(Collectors.joining(", ")) + ")");
    }
}
