package dev.sluice.bench.load;

import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.TreeMap;

/**
 * The open-loop generator's answers sliced into fixed intervals by the time each answer came back: per interval, how
 * many were answered, how many were 2xx, how many were 503 (the gateway shedding), the other failures by cause, and
 * the latency of the 2xx answers from their intended send time (coordinated omission corrected, as in
 * {@link LatencyRecorder}) and, to tell a late generator from a slow system, the p99 from their actual send. Answers before the start or at/after the end are not counted. Thread-safe: the event
 * loops of the generator record into one instance.
 */
public final class IntervalStats {
    private static final long HIGHEST_NANOS = 300_000_000_000L;

    /** One interval's (or several merged intervals') figures; latencies in µs, NaN when nothing succeeded. */
    public record Tally(double seconds, long answered, long ok, long overloaded, Map<String, Long> otherFailures,
                        double okP50Micros, double okP99Micros, double okServiceP99Micros) {
        public double answeredPerSecond() {
            return answered / seconds;
        }

        public long otherFailed() {
            return otherFailures.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final long startNanos;
    private final long intervalNanos;
    private final Slot[] slots;

    private static final class Slot {
        final Histogram ok = new Histogram(1_000, HIGHEST_NANOS, 3);
        final Histogram okService = new Histogram(1_000, HIGHEST_NANOS, 3);
        long answered;
        long overloaded;
        final Map<String, Long> other = new TreeMap<>();
    }

    public IntervalStats(long startNanos, long intervalNanos, int intervals) {
        if (intervalNanos <= 0 || intervals <= 0) throw new IllegalArgumentException("intervals must be positive");
        this.startNanos = startNanos;
        this.intervalNanos = intervalNanos;
        this.slots = new Slot[intervals];
        for (int i = 0; i < intervals; i++) slots[i] = new Slot();
    }

    public int intervals() {
        return slots.length;
    }

    /**
     * An answer that came back at {@code doneNanos} to a request due at {@code intendedNanos} and sent at
     * {@code sentNanos}: {@code status} is its HTTP status (0 when none came, e.g. an I/O failure), {@code failure}
     * null for a success or its cause.
     */
    public synchronized void record(long intendedNanos, long sentNanos, long doneNanos, int status, String failure) {
        if (doneNanos < startNanos) return;
        long k = (doneNanos - startNanos) / intervalNanos;
        if (k >= slots.length) return;
        Slot s = slots[(int) k];
        s.answered++;
        if (failure == null) {
            s.ok.recordValue(clamp(doneNanos - intendedNanos));
            s.okService.recordValue(clamp(doneNanos - sentNanos));
        } else if (status == 503) {
            s.overloaded++;
        } else {
            s.other.merge(failure, 1L, Long::sum);
        }
    }

    private static long clamp(long nanos) {
        return Math.max(1_000, Math.min(HIGHEST_NANOS, nanos));
    }

    public Tally interval(int k) {
        return merged(k, k + 1);
    }

    /** Intervals {@code from} (inclusive) to {@code to} (exclusive) as one. */
    public synchronized Tally merged(int from, int to) {
        if (from < 0 || to > slots.length || from >= to) {
            throw new IllegalArgumentException("no intervals " + from + ".." + to + " of " + slots.length);
        }
        Histogram ok = new Histogram(1_000, HIGHEST_NANOS, 3);
        Histogram okService = new Histogram(1_000, HIGHEST_NANOS, 3);
        long answered = 0, overloaded = 0;
        Map<String, Long> other = new TreeMap<>();
        for (int k = from; k < to; k++) {
            Slot s = slots[k];
            ok.add(s.ok);
            okService.add(s.okService);
            answered += s.answered;
            overloaded += s.overloaded;
            s.other.forEach((key, v) -> other.merge(key, v, Long::sum));
        }
        return new Tally((to - from) * intervalNanos / 1e9, answered, ok.getTotalCount(), overloaded, Map.copyOf(other),
                micros(ok, 50), micros(ok, 99), micros(okService, 99));
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1_000.0;
    }
}
