package dev.sluice.protocol;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI's duration format, as in {@code x-ratelimit-reset-*} headers and rate-limit messages: {@code 644ms} below a
 * second, otherwise hours/minutes/seconds with fractional seconds trimmed ({@code 1s}, {@code 9.816s},
 * {@code 6m0s}, {@code 1m30s}, {@code 1h2m3.5s}).
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    private Durations() {}

    public static String format(Duration d) {
        return formatMillis(Math.max(0, d.toMillis()));
    }

    public static String formatMillis(long millis) {
        if (millis < 0) millis = 0;
        if (millis < 1000) return millis + "ms";
        long hours = millis / 3_600_000;
        long minutes = (millis / 60_000) % 60;
        long secMillis = millis % 60_000;
        StringBuilder sb = new StringBuilder();
        if (hours > 0) sb.append(hours).append('h');
        if (hours > 0 || minutes > 0) sb.append(minutes).append('m');
        sb.append(BigDecimal.valueOf(secMillis, 3).stripTrailingZeros().toPlainString()).append('s');
        return sb.toString();
    }

    /** Parses the format above (and plain seconds such as {@code "2"} or {@code "0.5"}); empty when unreadable. */
    public static Optional<Duration> parse(String text) {
        if (text == null) return Optional.empty();
        String s = text.trim();
        if (s.isEmpty()) return Optional.empty();
        try {
            double seconds = Double.parseDouble(s);
            if (seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)) return Optional.empty();
            return Optional.of(Duration.ofMillis(Math.round(seconds * 1000)));
        } catch (NumberFormatException notPlain) {
            // fall through to the unit form
        }
        Matcher m = PART.matcher(s);
        int pos = 0;
        double millis = 0;
        while (m.find()) {
            if (m.start() != pos) return Optional.empty();
            double v = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "h" -> v * 3_600_000;
                case "m" -> v * 60_000;
                case "s" -> v * 1000;
                default -> v;
            };
            pos = m.end();
        }
        if (pos != s.length() || pos == 0) return Optional.empty();
        return Optional.of(Duration.ofMillis(Math.round(millis)));
    }
}
