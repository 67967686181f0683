package dev.sluice.bench.load;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what wrk prints. The harness's script ends with a {@code done} hook that prints one machine line
 * ({@code SLUICE-BENCH key=value ...}, latencies in µs as wrk records them); without that line the human summary of
 * {@code wrk --latency} is read instead (its units: us, ms, s, m, h; its {@code k}/{@code M} counts).
 */
public final class WrkOutput {
    static final String MARKER = "SLUICE-BENCH";

    private static final Pattern KV = Pattern.compile("(\\w+)=([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m|h)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s*(\\d+)");
    private static final Pattern SOCKET = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|90|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s|m|h)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern MAX = Pattern.compile("Latency\\s+\\S+\\s+\\S+\\s+([0-9.]+)(us|ms|s|m|h)");

    private WrkOutput() {
    }

    /** The result, or empty when the text holds neither the machine line nor a request count (wrk failed). */
    public static Optional<WrkResult> parse(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith(MARKER)) return Optional.of(machineLine(line));
        }
        return human(text);
    }

    private static WrkResult machineLine(String line) {
        java.util.Map<String, Double> v = new java.util.HashMap<>();
        Matcher m = KV.matcher(line);
        while (m.find()) v.put(m.group(1), Double.parseDouble(m.group(2)));
        long socket = (long) (v.getOrDefault("connect_errors", 0.0) + v.getOrDefault("read_errors", 0.0)
                + v.getOrDefault("write_errors", 0.0) + v.getOrDefault("timeouts", 0.0));
        return new WrkResult(v.getOrDefault("requests", 0.0).longValue(), v.getOrDefault("duration_us", 0.0).longValue(),
                v.getOrDefault("status_errors", 0.0).longValue(), socket,
                v.getOrDefault("p50_us", 0.0), v.getOrDefault("p90_us", 0.0), v.getOrDefault("p99_us", 0.0),
                v.getOrDefault("p999_us", 0.0), v.getOrDefault("max_us", 0.0));
    }

    private static Optional<WrkResult> human(String text) {
        Matcher req = REQUESTS.matcher(text);
        if (!req.find()) return Optional.empty();
        long requests = Long.parseLong(req.group(1));
        long duration = Math.round(micros(req.group(2), req.group(3)));
        Matcher non = NON_2XX.matcher(text);
        long non2xx = non.find() ? Long.parseLong(non.group(1)) : 0;
        Matcher sock = SOCKET.matcher(text);
        long socket = 0;
        if (sock.find()) {
            for (int i = 1; i <= 4; i++) socket += Long.parseLong(sock.group(i));
        }
        double p50 = 0, p90 = 0, p99 = 0;
        Matcher p = PERCENTILE.matcher(text);
        while (p.find()) {
            double us = micros(p.group(2), p.group(3));
            switch (p.group(1)) {
                case "50" -> p50 = us;
                case "90" -> p90 = us;
                default -> p99 = us;
            }
        }
        Matcher max = MAX.matcher(text);
        double maxUs = max.find() ? micros(max.group(1), max.group(2)) : 0;
        // The human summary has no 99.9th percentile; the maximum is the closest bound it gives.
        return Optional.of(new WrkResult(requests, duration, non2xx, socket, p50, p90, p99, Double.NaN, maxUs));
    }

    /** A wrk duration ("708.00us", "1.20ms", "2.00s", "1.50m") in microseconds. */
    static double micros(String number, String unit) {
        double n = Double.parseDouble(number);
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> n;
            case "ms" -> n * 1_000;
            case "s" -> n * 1_000_000;
            case "m" -> n * 60_000_000;
            case "h" -> n * 3_600_000_000.0;
            default -> throw new IllegalArgumentException("unknown wrk time unit " + unit);
        };
    }
}
