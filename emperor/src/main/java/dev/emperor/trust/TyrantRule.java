package dev.emperor.trust;

import dev.emperor.config.ConfigError;
import dev.emperor.config.ConfigException;
import dev.emperor.config.ConfigLoader.LoadedConfig;
import dev.emperor.config.OptionModel;
import dev.emperor.config.OptionValue;
import dev.emperor.config.Origin;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Tyrant mode's promise about users: a vassal whose file someone else owns runs as that
 * owner and nobody else. Its {@code uid}/{@code gid} may only name that user and their
 * primary group (anything else is refused at its line, wherever it was written: the file,
 * an include, {@code set =}); then both are pinned to the owner's numbers.
 */
final class TyrantRule {

    static final String SUMMARY = "uid or gid differs from the file's owner (tyrant mode)";

    private TyrantRule() {
    }

    static LoadedConfig apply(Identity owner, LoadedConfig loaded) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        for (OptionValue v : loaded.options().all("uid")) {
            if (!isUser(v.value().strip(), owner)) {
                errors.add(new ConfigError(v.origin(), "uid = " + v.value() + ": in tyrant mode this vassal runs as "
                        + "its file's owner " + owner + "; remove uid or set it to " + owner.user(), SUMMARY));
            }
        }
        for (OptionValue v : loaded.options().all("gid")) {
            if (!isGroup(v.value().strip(), owner)) {
                errors.add(new ConfigError(v.origin(), "gid = " + v.value() + ": in tyrant mode this vassal runs with "
                        + "its owner's primary group (gid " + owner.gid() + "); remove gid or set it to " + owner.gid(),
                        SUMMARY));
            }
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
        List<OptionValue> values = new ArrayList<>(loaded.options().values());
        Origin pinned = Origin.of(loaded.file());
        values.add(new OptionValue("uid", Integer.toUnsignedString(owner.uid()), pinned));
        values.add(new OptionValue("gid", Integer.toUnsignedString(owner.gid()), pinned));
        return new LoadedConfig(loaded.file(), loaded.format(), loaded.section(), new OptionModel(values),
                loaded.placeholders());
    }

    private static boolean isUser(String value, Identity owner) {
        if (isNumber(value)) return Integer.parseUnsignedInt(value) == owner.uid();
        return UserDb.byName(value).map(id -> id.uid() == owner.uid()).orElse(false);
    }

    private static boolean isGroup(String value, Identity owner) {
        if (isNumber(value)) return Integer.parseUnsignedInt(value) == owner.gid();
        OptionalInt gid = UserDb.groupId(value);
        return gid.isPresent() && gid.getAsInt() == owner.gid();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 10 && s.chars().allMatch(Character::isDigit);
    }
}
