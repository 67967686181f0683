package dev.sluice.gateway.config.choice;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A config key whose value is one of a closed set of names ({@code limits.store: redis}, {@code log.format: json}):
 * an enum implementing this, bound by Jackson through {@link #parse}, so every such key is parsed in one place and
 * a bad value gets one message, {@code Invalid config: key 'K' must be one of [a, b], not 'x'}.
 */
public interface ConfigChoice {
    /** The name written in sluice.yaml. */
    String configName();

    /** The constant named {@code name} (exact, case-sensitive); {@link Invalid} listing the names otherwise. */
    static <E extends Enum<E> & ConfigChoice> E parse(Class<E> type, String name) {
        for (E e : type.getEnumConstants()) if (e.configName().equals(name)) return e;
        throw new Invalid("must be one of " + Arrays.stream(type.getEnumConstants()).map(ConfigChoice::configName)
                .sorted().collect(Collectors.joining(", ", "[", "]")) + ", not '" + name + "'");
    }

    /** A value outside the set; {@link dev.sluice.gateway.config.ConfigLoader} names the key it was found at. */
    final class Invalid extends RuntimeException {
        Invalid(String why) {
            super(why, null, false, false);
        }
    }
}
