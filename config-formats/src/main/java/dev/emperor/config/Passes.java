package dev.emperor.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * uWSGI's placeholder passes ({@code uwsgi_apply_config_pass}), with the same results but in
 * linear time. uWSGI walks each value looking for SYMBOL '(' KEY ')' (parentheses may nest
 * inside KEY), replaces it in place, and starts the walk again at index 1 of the new value:
 * so a replacement is itself expanded, a placeholder that ends up at index 0 is not, and a
 * key can be built from an inner placeholder ({@code y%(x%(b))}). We walk once and, after a
 * replacement, resume where the new text starts, in the state that rescan would have there
 * (it is determined by the characters since the last SYMBOL at index 1 or later). Runaway
 * self-references, which make uWSGI loop forever, are refused.
 */
final class Passes {

    /** A lookup: the replacement for a key, or null to leave the placeholder as written. */
    interface Hook {
        String apply(String key, Origin origin) throws ConfigException;
    }

    private final Engine engine;
    private final List<Engine.Entry> entries;

    Passes(Engine engine) {
        this.engine = engine;
        this.entries = engine.entries();
    }

    void run(char symbol, Hook hook) throws ConfigException {
        String opening = symbol + "(";
        for (Engine.Entry e : entries) {
            if (e.configured || !e.value.contains(opening)) continue; // nothing can start without SYMBOL(
            String before = e.value;
            e.value = expand(e, symbol, hook);
            engine.account(e.origin, Math.max(0, e.value.length() - before.length()));
        }
    }

    /** The %(key) pass: the first option of that name, as it is at that moment; spaces mean arithmetic. */
    void runPlaceholders(Map<String, Integer> firstIndex) throws ConfigException {
        for (Engine.Entry e : entries) {
            if (e.configured || !e.value.contains("%(")) continue;
            String before = e.value;
            current = e;
            e.value = expand(e, '%', (key, origin) -> placeholder(key, firstIndex));
            current = null;
            engine.account(e.origin, Math.max(0, e.value.length() - before.length()));
        }
    }

    // the value being expanded, and its text so far, for a placeholder that names itself
    private Engine.Entry current;
    private StringBuilder currentOut;
    private Deque<Segment> currentRest;
    // characters still to scan in currentRest: bounds a value that keeps pulling itself in
    private long pending;

    private String lookup(String key, Map<String, Integer> firstIndex) {
        engine.referenced(key);
        Integer i = firstIndex.get(key);
        if (i == null) return null;
        Engine.Entry e = entries.get(i);
        if (e == current) {
            StringBuilder sb = new StringBuilder(currentOut);
            for (Segment s : currentRest) sb.append(s.text, s.pos, s.text.length());
            return sb.toString();
        }
        return e.value;
    }

    /** uwsgi_manage_placeholder: a plain key, or words joined or combined with + - * / ++ --. */
    private String placeholder(String key, Map<String, Integer> firstIndex) {
        if (key.indexOf(' ') < 0) return lookup(key, firstIndex);
        String result = null;
        char op = 0;
        for (String tok : CStrings.tokens(key, ' ')) {
            String value;
            if (isNumber(tok)) {
                value = tok;
            } else if (tok.equals("+") || tok.equals("-") || tok.equals("*") || tok.equals("/")) {
                op = tok.charAt(0);
                continue;
            } else if (tok.equals("++") || tok.equals("--")) {
                if (result != null) result = Long.toString(CStrings.strtoll(result) + (tok.equals("++") ? 1 : -1));
                op = 0;
                continue;
            } else {
                String v = lookup(tok, firstIndex);
                value = v == null ? "" : v;
            }
            long a = result == null ? 0 : CStrings.strtoll(result);
            long b = CStrings.strtoll(value);
            result = switch (op) {
                case '+' -> Long.toString(a + b);
                case '-' -> Long.toString(a - b);
                case '*' -> Long.toString(a * b);
                case '/' -> Long.toString(b == 0 ? 0 : a / b);
                default -> (result == null ? "" : result) + value;
            };
            op = 0;
        }
        return result;
    }

    private static boolean isNumber(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        }
        return true;
    }

    private static final class Segment {
        final String text;
        int pos;

        Segment(String text) {
            this.text = text;
        }
    }

    /** The scanner's state: 0 idle, 1 after SYMBOL, >=2 inside a key (2 + characters so far). */
    private static final class State {
        int has;
        int depth;
        int keyStart;
        int pos;

        State copy() {
            State s = new State();
            s.has = has;
            s.depth = depth;
            s.keyStart = keyStart;
            return s;
        }
    }

    private String expand(Engine.Entry entry, char symbol, Hook hook) throws ConfigException {
        StringBuilder out = new StringBuilder(entry.value.length() + 16);
        Deque<Segment> rest = new ArrayDeque<>();
        rest.push(new Segment(entry.value));
        pending = entry.value.length();
        currentOut = out;
        currentRest = rest;
        State st = new State();
        // the state just before each SYMBOL in out, by position: a replacement resumes from one of them
        java.util.ArrayList<State> beforeSymbol = new java.util.ArrayList<>();
        int firstSymbolFrom1 = -1; // smallest index >= 1 of SYMBOL in out
        boolean restarted = false;
        int substitutions = 0;
        while (!rest.isEmpty()) {
            Segment seg = rest.peek();
            if (seg.pos >= seg.text.length()) {
                rest.pop();
                continue;
            }
            char c = seg.text.charAt(seg.pos++);
            pending--;
            int idx = out.length();
            out.append(c);
            if (out.length() > Limits.MAX_VALUE_CHARS) {
                throw new ConfigException(entry.origin, "option '" + entry.key + "' grows past "
                        + (Limits.MAX_VALUE_CHARS >> 20) + " MiB while expanding " + symbol + "(...): a placeholder refers back to itself");
            }
            if (restarted && idx == 0) {
                continue; // uWSGI's rescan starts at index 1
            }
            if (c == symbol) {
                State saved = st.copy();
                saved.pos = idx;
                beforeSymbol.add(saved);
                st.has = 1;
                if (idx >= 1 && firstSymbolFrom1 < 0) firstSymbolFrom1 = idx;
            } else if (c == '(' && st.has == 1) {
                st.has = 2;
                st.depth = 0;
                st.keyStart = idx + 1;
            } else if (st.has > 1) {
                if (c == '(') {
                    st.has++;
                    st.depth++;
                } else if (c == ')') {
                    if (st.depth > 0) {
                        st.has++;
                        st.depth--;
                        continue;
                    }
                    if (st.has <= 2) {
                        st.has = 0;
                        continue;
                    }
                    String key = out.substring(st.keyStart, idx);
                    String value = hook.apply(key, entry.origin);
                    if (value == null) {
                        st.has = 0;
                        continue;
                    }
                    if (++substitutions > Limits.MAX_SUBSTITUTIONS) {
                        throw new ConfigException(entry.origin, "option '" + entry.key + "': " + symbol
                                + "(...) expansion does not end: a placeholder refers back to itself");
                    }
                    int at = st.keyStart - 2;
                    out.setLength(at);
                    pending += value.length();
                    if (at + pending > Limits.MAX_VALUE_CHARS) {
                        throw new ConfigException(entry.origin, "option '" + entry.key + "' grows past "
                                + (Limits.MAX_VALUE_CHARS >> 20) + " MiB while expanding " + symbol
                                + "(...): a placeholder refers back to itself");
                    }
                    rest.push(new Segment(value));
                    if (firstSymbolFrom1 >= at) firstSymbolFrom1 = -1;
                    State resume = new State();
                    while (!beforeSymbol.isEmpty() && beforeSymbol.get(beforeSymbol.size() - 1).pos >= at) {
                        State top = beforeSymbol.remove(beforeSymbol.size() - 1);
                        if (top.pos == at) resume = top;
                    }
                    st = firstSymbolFrom1 >= 0 ? resume.copy() : new State();
                    restarted = true;
                } else {
                    st.has++;
                }
            } else {
                st.has = 0;
            }
        }
        return out.toString();
    }
}
