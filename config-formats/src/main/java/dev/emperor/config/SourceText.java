package dev.emperor.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a configuration file as untrusted input: bounded in size, UTF-8 only, no binary.
 * Every refusal is a {@link ConfigException} naming the file.
 */
final class SourceText {

    /** Larger files are refused: no real vassal file comes near this. */
    static final int MAX_BYTES = 1 << 20;

    private SourceText() {
    }

    /** Reads {@code file} as the calling process may (tests, tools). */
    static String read(Path file) throws ConfigException {
        return read(file, FileReadPolicy.ALLOW_ALL, FileReadPolicy.Purpose.CONFIG);
    }

    /** Reads {@code file} through {@code policy}: the only place a load opens a file. */
    static String read(Path file, FileReadPolicy policy, FileReadPolicy.Purpose purpose) throws ConfigException {
        byte[] bytes;
        try (InputStream in = policy.open(file, purpose)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(Origin.of(file), "file not found");
        } catch (FileReadPolicy.Refused e) {
            throw new ConfigException(Origin.of(file), e.getMessage(), "refused by the emperor's file trust rules");
        } catch (IOException e) {
            throw new ConfigException(Origin.of(file), "cannot read: " + e.getMessage());
        }
        if (bytes.length > MAX_BYTES) {
            throw new ConfigException(Origin.of(file),
                    "file is larger than " + (MAX_BYTES >> 10) + " KiB; refusing to parse it");
        }
        int line = 1;
        for (byte b : bytes) {
            if (b == 0) {
                throw new ConfigException(new Origin(file, line), "binary data (a NUL byte); this is not a text file");
            }
            if (b == '\n') line++;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new ConfigException(Origin.of(file), "not valid UTF-8 text");
        }
    }
}
