package dev.emperor.cli.top;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Reads key presses from a terminal in raw mode: letters as typed, and the escape sequences
 * terminals send for the arrow and paging keys (both the normal {@code ESC [ A} and the
 * application-mode {@code ESC O A} forms). Keys top does not use are skipped.
 */
public final class KeyDecoder {

    private static final int ESC = 0x1b;
    private final InputStream in;

    public KeyDecoder(InputStream in) {
        this.in = in;
    }

    /** The next key top knows, blocking until one is pressed; empty at end of input. */
    public Optional<Key> next() throws IOException {
        while (true) {
            int b = in.read();
            if (b < 0) return Optional.empty();
            Key k = b == ESC ? escape() : plain(b);
            if (k != null) return Optional.of(k);
        }
    }

    private static Key plain(int b) {
        return switch (b) {
            case 'k', 'K' -> Key.UP;
            case 'j', 'J' -> Key.DOWN;
            case 'g' -> Key.HOME;
            case 'G' -> Key.END;
            case '\r', '\n', ' ' -> Key.TOGGLE;
            case 's', 'S' -> Key.SORT;
            case 'q', 'Q', 3 /* Ctrl-C when the terminal does not turn it into SIGINT */ -> Key.QUIT;
            default -> null;
        };
    }

    private Key escape() throws IOException {
        int b = in.read();
        if (b == ESC) return escape(); // a lone ESC, then a sequence
        if (b != '[' && b != 'O') return b < 0 ? null : plain(b); // a lone ESC, then an ordinary key
        int c = in.read();
        StringBuilder param = new StringBuilder();
        while (c >= '0' && c <= '9' || c == ';') { // ESC [ 5 ~, ESC [ 1 ; 5 A ...
            param.append((char) c);
            c = in.read();
        }
        return switch (c) {
            case 'A' -> Key.UP;
            case 'B' -> Key.DOWN;
            case 'H' -> Key.HOME;
            case 'F' -> Key.END;
            case '~' -> switch (param.toString()) {
                case "5" -> Key.PAGE_UP;
                case "6" -> Key.PAGE_DOWN;
                case "1", "7" -> Key.HOME;
                case "4", "8" -> Key.END;
                default -> null;
            };
            default -> null;
        };
    }
}
