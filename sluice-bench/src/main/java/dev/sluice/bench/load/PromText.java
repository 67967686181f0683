package dev.sluice.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The samples of a Prometheus text exposition (what Sluice's {@code GET /metrics} on the admin port answers):
 * {@code name{label="value",...} number [timestamp]} lines; comments and blank lines are skipped. Only what the
 * admission trace reads is supported: exact names, label matching, sums over a metric's series.
 */
public final class PromText {
    /** One series' value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PromText(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    public static PromText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            Sample s = sample(line);
            if (s != null) out.add(s);
        }
        return new PromText(out);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The value of the series of {@code name} whose labels include {@code labels} (pairs: key, value, ...). */
    public OptionalDouble value(String name, String... labels) {
        if (labels.length % 2 != 0) throw new IllegalArgumentException("labels come in pairs: key, value");
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s, labels)) return OptionalDouble.of(s.value());
        }
        return OptionalDouble.empty();
    }

    /**
     * The sum over every series of {@code name} whose labels include {@code labels} (pairs: key, value, ...), e.g. a
     * counter's every {@code reason}; empty when there is none.
     */
    public OptionalDouble sum(String name, String... labels) {
        if (labels.length % 2 != 0) throw new IllegalArgumentException("labels come in pairs: key, value");
        boolean any = false;
        double total = 0;
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s, labels)) {
                any = true;
                total += s.value();
            }
        }
        return any ? OptionalDouble.of(total) : OptionalDouble.empty();
    }

    private static boolean matches(Sample s, String[] labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels().get(labels[i]))) return false;
        }
        return true;
    }

    /** One sample line, or null when it is not one (a garbled line is skipped, not fatal to the trace). */
    static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        if (space < 0) return null;
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        int rest;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (true) {
                while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) i++;
                if (i >= line.length()) return null;
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') return null;
                String key = line.substring(i, eq).strip();
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (j < line.length() && line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\' && j + 1 < line.length()) {
                        char n = line.charAt(++j);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                if (j >= line.length()) return null;
                labels.put(key, value.toString());
                i = j + 1;
            }
            rest = i;
        } else {
            name = line.substring(0, space);
            rest = space;
        }
        String[] fields = line.substring(rest).strip().split("\\s+");
        if (name.isEmpty() || fields.length == 0 || fields[0].isEmpty()) return null;
        double value;
        try {
            value = switch (fields[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(fields[0]);
            };
        } catch (NumberFormatException e) {
            return null;
        }
        return new Sample(name, Map.copyOf(labels), value);
    }
}
