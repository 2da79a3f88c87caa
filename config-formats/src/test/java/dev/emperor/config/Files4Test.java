package dev.emperor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Small helpers shared by the config-formats tests: write a file, load it, catch the error. */
final class Files4Test {

    /** The environment every test loader sees; nothing from the real environment leaks in. */
    static final Map<String, String> ENV = Map.of("HOME", "/home/tester", "APP_PORT", "8080", "EMPTY", "");

    private Files4Test() {
    }

    static Path write(Path dir, String name, String text) {
        return write(dir, name, text.getBytes(StandardCharsets.UTF_8));
    }

    static Path write(Path dir, String name, byte[] bytes) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ConfigLoader.LoadedConfig load(Path file) throws ConfigException {
        return new ConfigLoader(ENV).loadVassal(file);
    }

    static ConfigLoader.LoadedConfig load(Path dir, String name, String text) throws ConfigException {
        return load(write(dir, name, text));
    }

    /** Loads a file that must be refused, and returns the (only allowed) ConfigException. */
    static ConfigException refuse(Path file) {
        Throwable t = catchThrowable(() -> load(file));
        assertThat(t).as("loading %s", file.getFileName()).isInstanceOf(ConfigException.class);
        ConfigException e = (ConfigException) t;
        assertThat(e.errors()).isNotEmpty();
        for (ConfigError error : e.errors()) {
            assertThat(error.origin().file()).isEqualTo(file);
        }
        return e;
    }

    static ConfigException refuse(Path dir, String name, String text) {
        return refuse(write(dir, name, text));
    }

    /** key=value strings, in order, for compact assertions. */
    static List<String> pairs(ConfigLoader.LoadedConfig config) {
        return config.options().values().stream().map(v -> v.key() + "=" + v.value()).toList();
    }

    /** The 1-based lines of every option, in order. */
    static List<Integer> lines(ConfigLoader.LoadedConfig config) {
        return config.options().values().stream().map(v -> v.origin().line()).toList();
    }
}
