package dev.sluice.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The upstream latency steps of {@code ./sluice bench load admission}: in each phase every request asks the simulator
 * to wait {@code delayMs} before answering ({@code metadata.sluice_sim: "delay_ms=N"}), for {@code seconds}. Written
 * {@code DELAY_MS:SECONDS,...}, e.g. {@code 100:10,300:10,100:10}: 10 s at 100 ms, 10 s at +200 ms, 10 s back.
 * Times are measured from the start of the trace (after the unrecorded warm-up, which runs at the first phase's delay).
 */
public record Phases(List<Phase> phases) {
    /** The simulator's own bound on {@code delay_ms}. */
    static final int MAX_DELAY_MS = 600_000;

    public record Phase(int delayMs, double seconds) {
    }

    public Phases {
        if (phases.isEmpty()) throw new IllegalArgumentException("at least one phase is needed");
        phases = List.copyOf(phases);
    }

    /** {@code 100:10,300:10,100:10}; fractional seconds are allowed ({@code 300:2.5}). */
    public static Phases parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("no phases given (e.g. 100:10,300:10,100:10)");
        List<Phase> list = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            String[] f = p.split(":");
            if (f.length != 2) {
                throw new IllegalArgumentException("phase '" + p + "' is not DELAY_MS:SECONDS (e.g. 300:10)");
            }
            int delay;
            double seconds;
            try {
                delay = Integer.parseInt(f[0].trim());
                seconds = Double.parseDouble(f[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("phase '" + p + "' is not DELAY_MS:SECONDS (e.g. 300:10)");
            }
            if (delay < 0 || delay > MAX_DELAY_MS) {
                throw new IllegalArgumentException("phase '" + p + "': the delay must be 0.." + MAX_DELAY_MS + " ms");
            }
            if (!(seconds > 0) || Double.isInfinite(seconds)) {
                throw new IllegalArgumentException("phase '" + p + "': the duration must be a positive number of seconds");
            }
            list.add(new Phase(delay, seconds));
        }
        return new Phases(list);
    }

    public double totalSeconds() {
        return phases.stream().mapToDouble(Phase::seconds).sum();
    }

    public long totalNanos() {
        return (long) Math.round(totalSeconds() * 1e9);
    }

    /**
     * The phase in force {@code sinceStartNanos} after the trace began: the first one before the start (the warm-up),
     * the last one after the end (requests of the grace period).
     */
    public int indexAt(long sinceStartNanos) {
        double t = sinceStartNanos / 1e9;
        double end = 0;
        for (int i = 0; i < phases.size(); i++) {
            end += phases.get(i).seconds();
            if (t < end) return i;
        }
        return phases.size() - 1;
    }

    public Phase at(long sinceStartNanos) {
        return phases.get(indexAt(sinceStartNanos));
    }

    /** When phase {@code i} begins, in seconds from the start of the trace. */
    public double startSeconds(int i) {
        double s = 0;
        for (int k = 0; k < i; k++) s += phases.get(k).seconds();
        return s;
    }

    /** {@code "100 ms"} for a phase at the first phase's delay, {@code "300 ms (+200)"} for a step away from it. */
    public String label(int i) {
        int base = phases.getFirst().delayMs();
        int d = phases.get(i).delayMs();
        if (d == base) return d + " ms";
        return String.format(Locale.ROOT, "%d ms (%s%d)", d, d > base ? "+" : "−", Math.abs(d - base));
    }

    /** The spec back, as typed: {@code 100:10,300:10,100:10}. */
    public String spec() {
        StringBuilder s = new StringBuilder();
        for (Phase p : phases) {
            if (!s.isEmpty()) s.append(',');
            s.append(p.delayMs()).append(':').append(seconds(p.seconds()));
        }
        return s.toString();
    }

    static String seconds(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }
}
