package dev.emperor.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One load, done the way uWSGI 2.0.21 builds its option list: every option is appended in
 * order as it is read; "immediate" options act at once (includes load their file right
 * there, {@code for}/{@code if-*} start a block that rewrites the following options,
 * {@code set} adds an option); after everything is read, three passes rewrite the values in
 * place ({@code $(ENV)}, then {@code @(file)}, then {@code %(key)}); then {@code inherit}
 * files are appended, without those passes. Not thread-safe: one engine per load.
 */
final class Engine {

    /** One option of the list; {@code configured} options are skipped by the passes, as in uWSGI. */
    static final class Entry {
        final String key;
        String value;
        final Origin origin;
        boolean configured;
        final boolean hidden;

        Entry(String key, String value, Origin origin, boolean hidden) {
            this.key = key;
            this.value = value;
            this.origin = origin;
            this.hidden = hidden;
        }
    }

    /** uWSGI's immediate core options: they act while the file is read and the passes skip them. */
    static final Set<String> IMMEDIATE = Set.of("xmlconfig", "xml", "config", "fallback-config", "strict", "set",
            "set-placeholder", "set-ph", "declare-option", "resolve", "for", "for-glob", "for-times", "for-readline",
            "endfor", "end-for", "if-opt", "if-not-opt", "if-env", "if-not-env", "ifenv", "if-reload", "if-not-reload",
            "if-hostname", "if-not-hostname", "if-hostname-match", "if-not-hostname-match", "if-exists", "if-not-exists",
            "ifexists", "if-plugin", "if-not-plugin", "ifplugin", "if-file", "if-not-file", "if-dir", "if-not-dir",
            "ifdir", "if-directory", "endif", "end-if", "blacklist", "end-blacklist", "whitelist", "end-whitelist",
            "include", "inject-before", "inject-after", "stop", "reload", "pause", "suspend", "resume",
            "connect-and-read", "extract", "listen", "umask", "help", "usage", "print-sym", "print-symbol",
            "spooler-processes", "signal", "flock", "flock-wait", "flock2", "flock-wait2", "immediate-uid",
            "immediate-gid", "ini", "yaml", "yml", "json", "js", "command-mode", "pcre-jit", "early-envdir", "plugins",
            "plugin", "need-plugins", "need-plugin", "plugins-dir", "plugin-dir", "autoload", "dlopen",
            "binary-append-data", "iprint", "exit", "cflags", "dot-h", "config-py", "build-plugin");

    /** Keys that close a for/if block. */
    private static final Set<String> END_KEYS = Set.of("end", "endfor", "endif", "end-if", "end-for");

    /** uWSGI's registered config schemes: these name a source that is not a plain file. */
    private static final Set<String> SCHEMES = Set.of("emperor", "http", "data", "sym", "section", "fd", "exec",
            "call", "callint");

    private interface Logic {
        void run(String key, String value, Origin origin, String arg) throws ConfigException;
    }

    private final Map<String, String> env;
    private final Path cwd;
    private final FileReadPolicy policy;
    private final Magic.Process process;
    private final List<Entry> entries = new ArrayList<>();
    private final Deque<String> chain = new ArrayDeque<>();
    private final Deque<String> chainNames = new ArrayDeque<>();
    private String defaultSection;
    private Magic first;
    private Logic logic;
    private String logicName;
    private String logicArg;
    private boolean logicRunning;
    private String lastIniFile;
    private int filesRead;
    private long totalChars;
    private final List<ConfigError> deferred = new ArrayList<>();
    // keys a %(key) placeholder or if-opt looked up, and keys set-ph defined: placeholders, not settings
    private final Set<String> placeholders = new java.util.LinkedHashSet<>();
    private boolean keepMagic;

    /** {@code policy} opens every file this load reads (see {@link FileReadPolicy}). */
    Engine(Map<String, String> env, Path cwd, FileReadPolicy policy) {
        this.env = env;
        this.cwd = cwd;
        this.policy = policy;
        this.process = new Magic.Process(cwd);
    }

    List<Entry> entries() {
        return entries;
    }

    /** From now on files are parsed as written: magic variables stay in the text (for convert). */
    void keepMagic() {
        keepMagic = true;
    }

    /** {@code s} after the first file's magic variables, as its own text would have them. */
    String magic(String s) {
        if (first == null) throw new IllegalStateException("no file read yet");
        return first.apply(s, false).text();
    }

    /** Names used as placeholders in this load (looked up by {@code %(...)} or {@code if-opt}, or set with set-ph). */
    Set<String> placeholders() {
        return placeholders;
    }

    void referenced(String key) {
        placeholders.add(key);
    }

    // ---------------------------------------------------------------- reading files

    /** What was read from one file: its section and its raw options. */
    record Read(Path file, RawSection section) {
    }

    /**
     * Reads the top-level file: {@code given} is the path as the caller wrote it (for
     * {@code %o}), {@code section} the one named after a colon or null, {@code candidates}
     * the sections to look for when none was named.
     */
    String loadTop(ConfigFormat format, Path file, String given, String absoluteAsGiven, String section,
                   List<String> candidates) throws ConfigException {
        String asGiven = section == null ? given : given + ":" + section;
        RawSection raw = readTop(format, file, given, absoluteAsGiven, section, candidates);
        String xmlId = format == ConfigFormat.XML ? section : null;
        defaultSection = raw.name();
        if (format == ConfigFormat.INI) lastIniFile = given;
        // the bookkeeping entry uWSGI makes for its own --ini FILE: placeholders can name it, show omits it
        Entry top = new Entry(format.displayName(), asGiven, Origin.of(file), true);
        top.configured = true;
        entries.add(top);
        chain.push(key(file, raw.name() + "|" + xmlId));
        chainNames.push(given);
        try {
            feed(file, raw);
        } finally {
            chain.pop();
            chainNames.pop();
        }
        return raw.name();
    }

    /** The top-level file's section, read and checked but not yet fed to the option list. */
    RawSection readTop(ConfigFormat format, Path file, String given, String absoluteAsGiven, String section,
                       List<String> candidates) throws ConfigException {
        String asGiven = section == null ? given : given + ":" + section;
        List<String> wanted = section == null || format == ConfigFormat.XML ? candidates : List.of(section);
        String xmlId = format == ConfigFormat.XML ? section : null;
        String text = SourceText.read(file, policy, FileReadPolicy.Purpose.CONFIG);
        Read read = parse(format, file, asGiven, absoluteAsGiven, section, text, wanted, xmlId);
        if (read.section().name() == null) {
            String name = wanted.get(0);
            String shown = format == ConfigFormat.INI ? "[" + name + "]" : format == ConfigFormat.XML ? "<" + name + ">" : "'" + name + "'";
            throw new ConfigException(new Origin(file, 1), "no " + shown + " section; "
                    + "the options must be under " + shown
                    + (wanted.size() > 1 ? " (or '" + wanted.get(1) + "' for a uWSGI file)" : ""));
        }
        return read.section();
    }

    private Read parse(ConfigFormat format, Path file, String asGiven, String absolute, String section, String text,
                       List<String> wanted, String xmlId) throws ConfigException {
        Magic magic;
        try {
            magic = Magic.forFile(asGiven, file, absolute, section, first, process);
        } catch (IOException e) {
            throw new ConfigException(Origin.of(file), "cannot read: " + e.getMessage());
        }
        if (first == null) first = magic;
        Magic.Substituted sub = keepMagic ? new Magic.Substituted(text, null) : magic.apply(text, format != ConfigFormat.XML);
        RawSection raw = switch (format) {
            case INI -> IniParser.parse(file, sub.text(), wanted, sub);
            case YAML -> TreeParser.parse(file, sub.text(), wanted, sub);
            case JSON -> JsonParser.parse(file, sub.text(), wanted, sub);
            case XML -> XmlParser.parse(file, sub.text(), wanted, xmlId, sub);
        };
        return new Read(file, raw);
    }

    private void feed(Path file, RawSection section) throws ConfigException {
        for (RawSection.RawOption o : section.options()) {
            add(o.key(), o.value(), new Origin(file, o.line()));
        }
    }

    /** An include ({@code ini = FILE[:SECTION]} and friends), read at once, in place. */
    private void include(ConfigFormat format, String spec, Origin from) throws ConfigException {
        checkScheme(spec, from);
        int colon = spec.lastIndexOf(':');
        String pathPart = colon < 0 ? spec : spec.substring(0, colon);
        String section = colon < 0 || colon == spec.length() - 1 ? null : spec.substring(colon + 1);
        if (colon == 0 && format == ConfigFormat.INI) {
            if (lastIniFile == null) throw new ConfigException(from, "'" + spec + "': no ini file was read before");
            pathPart = lastIniFile; // ":section" means another section of the last ini file
        }
        checkScheme(pathPart, from);
        if (pathPart.isEmpty()) throw new ConfigException(from, "include of an empty file name");
        Path file = cwd.resolve(pathPart);
        String wanted = section != null && format != ConfigFormat.XML ? section : defaultSection;
        String key = key(file, wanted + "|" + (format == ConfigFormat.XML ? section : null));
        if (chain.contains(key)) {
            throw new ConfigException(from, "include cycle: " + chainText() + " -> " + pathPart);
        }
        if (chain.size() > Limits.MAX_INCLUDE_DEPTH) {
            throw new ConfigException(from, "includes nested deeper than " + Limits.MAX_INCLUDE_DEPTH + ": "
                    + chainText() + " -> " + pathPart);
        }
        String text = readIncluded(file, pathPart, from, FileReadPolicy.Purpose.INCLUDE);
        String asGiven = section == null ? (colon < 0 ? pathPart : spec) : spec;
        String absolute = pathPart.startsWith("/") ? pathPart : cwd + "/" + pathPart;
        Read read = parse(format, file, asGiven, absolute, section, text, List.of(wanted),
                format == ConfigFormat.XML ? section : null);
        if (read.section().name() == null) {
            String shown = format == ConfigFormat.INI ? "[" + wanted + "]" : format == ConfigFormat.XML ? "<" + wanted + ">" : "'" + wanted + "'";
            throw new ConfigException(from, "'" + pathPart + "' has no " + shown + " section");
        }
        if (format == ConfigFormat.INI) lastIniFile = pathPart;
        chain.push(key);
        chainNames.push(pathPart);
        try {
            feed(file, read.section());
        } finally {
            chain.pop();
            chainNames.pop();
        }
    }

    private String readIncluded(Path file, String shown, Origin from, FileReadPolicy.Purpose purpose)
            throws ConfigException {
        if (++filesRead > Limits.MAX_FILES) {
            throw new ConfigException(from, "more than " + Limits.MAX_FILES + " files read by one load");
        }
        try {
            return SourceText.read(file, policy, purpose);
        } catch (ConfigException e) {
            ConfigError first = e.errors().get(0);
            throw new ConfigException(from, "cannot read '" + shown + "': " + first.message(), first.summary());
        }
    }

    private static void checkScheme(String path, Origin from) throws ConfigException {
        int sep = path.indexOf("://");
        if (sep > 0 && SCHEMES.contains(path.substring(0, sep))) {
            throw new ConfigException(from, "'" + path.substring(0, sep + 3) + "' sources are not supported: "
                    + "Emperor reads configuration from plain files only (no commands, network or memory)");
        }
    }

    private static String key(Path file, String section) {
        return file.toAbsolutePath().normalize() + "\u0000" + section;
    }

    private String chainText() {
        List<String> names = new ArrayList<>();
        for (var it = chainNames.descendingIterator(); it.hasNext(); ) names.add(it.next());
        return String.join(" -> ", names);
    }

    // ---------------------------------------------------------------- the option list

    /** uWSGI's add_exported_option: blocks first, then append (and act, if immediate). */
    void add(String key, String value, Origin origin) throws ConfigException {
        if (!logicRunning) {
            if (END_KEYS.contains(key)) {
                logic = null;
                logicArg = null;
                logicName = null;
            }
            if (logic != null) {
                logicRunning = true;
                try {
                    logic.run(key, value, origin, logicArg);
                } finally {
                    logicRunning = false;
                }
                return;
            }
        }
        append(key, value, origin, false);
    }

    private void append(String key, String value, Origin origin, boolean placeholderOnly) throws ConfigException {
        if (entries.size() >= Limits.MAX_OPTIONS) {
            throw new ConfigException(origin, "more than " + Limits.MAX_OPTIONS + " options in one load; refusing it");
        }
        if (value.indexOf('\0') >= 0) {
            // reported with the others at the end: a file may have several, and nothing else is wrong with it
            deferred.add(new ConfigError(origin, "option '" + key + "': a NUL character cannot be part of a value"));
            return;
        }
        countChars(origin, value.length() + key.length());
        Entry e = new Entry(key, value, origin, false);
        entries.add(e);
        if (placeholderOnly) {
            placeholders.add(key);
            e.configured = true;
            return;
        }
        if (IMMEDIATE.contains(key)) {
            immediate(e);
            e.configured = true;
        }
    }

    private void countChars(Origin origin, long n) throws ConfigException {
        totalChars += n;
        if (totalChars > Limits.MAX_TOTAL_CHARS) {
            throw new ConfigException(origin, "the options add up to more than " + (Limits.MAX_TOTAL_CHARS >> 20)
                    + " MiB of text; refusing them");
        }
    }

    private void immediate(Entry e) throws ConfigException {
        String v = e.value;
        switch (e.key) {
            case "ini" -> include(ConfigFormat.INI, v, e.origin);
            case "yaml", "yml" -> include(ConfigFormat.YAML, v, e.origin);
            case "json", "js" -> include(ConfigFormat.JSON, v, e.origin);
            case "xml", "xmlconfig" -> include(ConfigFormat.XML, v, e.origin);
            case "include" -> load(v, e.origin);
            case "config" -> throw new ConfigException(e.origin, "'config' loads through uWSGI's plugin system, "
                    + "which Emperor does not have; use ini, yaml, json or xml");
            case "inject-before", "inject-after" -> throw new ConfigException(e.origin, "'" + e.key
                    + "' is not supported; use an include (ini = FILE) instead");
            case "set", "set-placeholder", "set-ph" -> {
                int eq = v.indexOf('=');
                if (eq < 0) throw new ConfigException(e.origin, e.key + ": expected NAME=VALUE, found '" + v + "'");
                String name = v.substring(0, eq);
                String value = v.substring(eq + 1);
                if (!e.key.equals("set")) placeholders.add(name);
                if (e.key.equals("set")) {
                    add(name, value, e.origin);
                } else if (logicRunning || logic == null) {
                    append(name, value, e.origin, true);
                } else {
                    add(name, value, e.origin);
                }
            }
            case "for" -> begin(e, (k, val, o, arg) -> {
                for (String tok : CStrings.tokens(arg, ' ')) add(k, val.replace("%(_)", tok), o);
            });
            case "for-glob" -> begin(e, (k, val, o, arg) -> {
                for (String p : Glob.expand(arg, cwd)) add(k, val.replace("%(_)", p), o);
            });
            case "for-times" -> begin(e, (k, val, o, arg) -> {
                long n = CStrings.atoi(arg);
                if (n > Limits.MAX_OPTIONS) {
                    throw new ConfigException(e.origin, "for-times = " + arg + ": more than " + Limits.MAX_OPTIONS + " options");
                }
                for (int i = 1; i <= n; i++) add(k, val.replace("%(_)", Integer.toString(i)), o);
            });
            case "for-readline" -> begin(e, (k, val, o, arg) -> {
                for (String line : readLines(arg, o)) add(k, val.replace("%(_)", line), o);
            });
            case "if-opt" -> begin(e, (k, val, o, arg) -> ifKnown(k, val, o, arg, firstValue(name(arg)), true));
            case "if-not-opt" -> begin(e, (k, val, o, arg) -> ifKnown(k, val, o, arg, firstValue(name(arg)), false));
            case "if-env", "ifenv" -> begin(e, (k, val, o, arg) -> ifKnown(k, val, o, arg, env.get(name(arg)), true));
            case "if-not-env" -> begin(e, (k, val, o, arg) -> ifKnown(k, val, o, arg, env.get(name(arg)), false));
            case "if-reload" -> begin(e, (k, val, o, arg) -> { });
            case "if-not-reload" -> begin(e, (k, val, o, arg) -> add(k, val, o));
            case "if-hostname" -> begin(e, (k, val, o, arg) -> when(process.hostname().equals(arg), k, val, o, arg));
            case "if-not-hostname" -> begin(e, (k, val, o, arg) -> when(!process.hostname().equals(arg), k, val, o, arg));
            case "if-hostname-match" -> begin(e, (k, val, o, arg) -> when(matches(arg, o), k, val, o, arg));
            case "if-not-hostname-match" -> begin(e, (k, val, o, arg) -> when(!matches(arg, o), k, val, o, arg));
            case "if-exists", "ifexists" -> begin(e, (k, val, o, arg) -> when(Files.isReadable(cwd.resolve(arg)), k, val, o, arg));
            case "if-not-exists" -> begin(e, (k, val, o, arg) -> when(!Files.isReadable(cwd.resolve(arg)), k, val, o, arg));
            case "if-file" -> begin(e, (k, val, o, arg) -> when(Files.isRegularFile(cwd.resolve(arg)), k, val, o, arg));
            case "if-not-file" -> begin(e, (k, val, o, arg) -> when(!Files.isRegularFile(cwd.resolve(arg)), k, val, o, arg));
            case "if-dir", "ifdir", "if-directory" -> begin(e, (k, val, o, arg) -> when(Files.isDirectory(cwd.resolve(arg)), k, val, o, arg));
            case "if-not-dir" -> begin(e, (k, val, o, arg) -> when(!Files.isDirectory(cwd.resolve(arg)), k, val, o, arg));
            // Emperor loads no uWSGI plugins: every plugin counts as absent
            case "if-plugin", "ifplugin" -> begin(e, (k, val, o, arg) -> { });
            case "if-not-plugin" -> begin(e, (k, val, o, arg) -> when(true, k, val, o, arg));
            default -> {
                // other immediate uWSGI options do nothing to the option list
            }
        }
    }

    /** {@code include = FILE} and {@code inherit = FILE}: the format from the name's ending, as uWSGI does. */
    private void load(String spec, Origin from) throws ConfigException {
        ConfigFormat format;
        if (spec.endsWith(".ini")) format = ConfigFormat.INI;
        else if (spec.endsWith(".xml")) format = ConfigFormat.XML;
        else if (spec.endsWith(".yaml") || spec.endsWith(".yml")) format = ConfigFormat.YAML;
        else if (spec.endsWith(".json") || spec.endsWith(".js")) format = ConfigFormat.JSON;
        else {
            throw new ConfigException(from, "cannot tell the format of '" + spec + "': the name must end in .ini, "
                    + ".yaml, .yml, .json, .js or .xml (a :section suffix is not allowed here; use ini = FILE:SECTION)");
        }
        include(format, spec, from);
    }

    private void begin(Entry e, Logic fn) throws ConfigException {
        if (logic != null) {
            throw new ConfigException(e.origin, "'" + e.key + "' inside a '" + logicName + "' block: blocks cannot be "
                    + "nested (uWSGI refuses this too); close the first one with endfor/endif");
        }
        logic = fn;
        logicName = e.key;
        logicArg = e.value;
    }

    private void when(boolean condition, String key, String value, Origin origin, String arg) throws ConfigException {
        if (condition) add(key, value.replace("%(_)", arg), origin);
    }

    /** if-opt / if-env and their negations: {@code NAME} or {@code NAME=VALUE}; {@code %(_)} is the value found. */
    private void ifKnown(String key, String value, Origin origin, String arg, String found, boolean positive)
            throws ConfigException {
        int eq = arg.indexOf('=');
        boolean matches = found != null && (eq < 0 || arg.substring(eq + 1).equals(found));
        if (positive) {
            if (matches) add(key, value.replace("%(_)", found), origin);
        } else if (!matches) {
            add(key, found == null ? value : value.replace("%(_)", found), origin);
        }
    }

    private static String name(String arg) {
        int eq = arg.indexOf('=');
        return eq < 0 ? arg : arg.substring(0, eq);
    }

    private String firstValue(String key) {
        placeholders.add(key);
        for (Entry e : entries) {
            if (e.key.equals(key)) return e.value;
        }
        return null;
    }

    private boolean matches(String regex, Origin origin) throws ConfigException {
        try {
            return Pattern.compile(regex).matcher(process.hostname()).find();
        } catch (PatternSyntaxException ex) {
            throw new ConfigException(origin, "not a valid regular expression: " + TreeParser.firstLine(ex.getMessage(), regex));
        }
    }

    /** for-readline: the file's lines as C's fgets with a 1024-byte buffer cuts them, without line ends. */
    private List<String> readLines(String name, Origin origin) throws ConfigException {
        Path file = cwd.resolve(name);
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            return List.of(); // uWSGI logs the failed open and adds nothing
        }
        String text = readIncluded(file, name, origin, FileReadPolicy.Purpose.READLINE);
        return CStrings.fgetsLines(text.getBytes(StandardCharsets.UTF_8), 1024);
    }

    // ---------------------------------------------------------------- after reading

    /** The three passes, then inherit: what uWSGI does between reading and configuring. */
    void finish() throws ConfigException {
        if (!deferred.isEmpty()) throw new ConfigException(deferred);
        Passes passes = new Passes(this);
        passes.run('$', (key, origin) -> env.get(key));
        passes.run('@', this::readAt);
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) firstIndex.putIfAbsent(entries.get(i).key, i);
        passes.runPlaceholders(firstIndex);
        // inherit is not immediate: uWSGI loads it while configuring, after the passes, at the end of the list
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (!e.configured && e.key.equals("inherit")) {
                e.configured = true;
                load(e.value, e.origin);
            }
        }
    }

    /** @(file): the file's text without one trailing newline. */
    private String readAt(String name, Origin origin) throws ConfigException {
        checkScheme(name, origin);
        if (name.isEmpty()) return null;
        String text = readIncluded(cwd.resolve(name), name, origin, FileReadPolicy.Purpose.FILE_VALUE);
        if (!text.isEmpty() && (text.endsWith("\n") || text.endsWith("\r"))) {
            text = text.substring(0, text.length() - 1);
        }
        return text;
    }

    void account(Origin origin, long chars) throws ConfigException {
        countChars(origin, chars);
    }
}
