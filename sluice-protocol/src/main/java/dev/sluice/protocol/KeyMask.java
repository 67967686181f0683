package dev.sluice.protocol;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks API keys for messages and logs: the prefix ({@code sk-}, {@code sk-proj-}, {@code sk-svcacct-},
 * {@code sk-admin-}) and 5 more characters, a run of {@code *}, and the last 4, e.g. {@code sk-PMafP*****E873}.
 * Keys shorter than 12 characters are fully starred.
 */
public final class KeyMask {
    private static final Pattern PREFIX = Pattern.compile("^(sk-(?:proj-|svcacct-|admin-)?)");

    private KeyMask() {}

    public static String mask(String key) {
        if (key == null) return "";
        int n = key.length();
        if (n < 12) return "*".repeat(n);
        Matcher m = PREFIX.matcher(key);
        int shown = (m.find() ? m.end() : 0) + 5;
        if (shown + 4 >= n) shown = Math.max(0, n - 8); // never reveal more than all but 4 hidden characters
        int hidden = n - shown - 4;
        return key.substring(0, shown) + "*".repeat(Math.max(4, hidden)) + key.substring(n - 4);
    }
}
