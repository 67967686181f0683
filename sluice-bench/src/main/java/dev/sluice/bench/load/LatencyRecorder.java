package dev.sluice.bench.load;

import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.TreeMap;

/**
 * Latencies of an open-loop run, two ways: from the intended send time (the corrected figure the table reports) and
 * from the actual send time (service time, which hides coordinated omission; kept to show the difference). Also the
 * generator's own lateness (actual − intended send), which says whether the generator kept up, and the failures by
 * kind. Not thread-safe: one event loop records; recorders of several loops are {@link #add}ed at the end.
 */
public final class LatencyRecorder {
    /** 1 µs .. 5 min at three significant digits. */
    private static final long HIGHEST_NANOS = 300_000_000_000L;

    private final Histogram corrected = new Histogram(1_000, HIGHEST_NANOS, 3);
    private final Histogram service = new Histogram(1_000, HIGHEST_NANOS, 3);
    private long maxSendLagNanos;
    private long ok;
    private long answered;
    private final Map<String, Long> failures = new TreeMap<>();

    /** A finished request: due at {@code intended}, sent at {@code sent}, answered at {@code done} (nanoTime). */
    public void record(long intendedNanos, long sentNanos, long doneNanos, String failure) {
        corrected.recordValue(clamp(doneNanos - intendedNanos));
        service.recordValue(clamp(doneNanos - sentNanos));
        maxSendLagNanos = Math.max(maxSendLagNanos, sentNanos - intendedNanos);
        answered++;
        if (failure == null) ok++;
        else failures.merge(failure, 1L, Long::sum);
    }

    /** A request that had no answer by the end of the run: counted as a failure, its latency at least until then. */
    public void unfinished(long intendedNanos, long endNanos) {
        corrected.recordValue(clamp(endNanos - intendedNanos));
        failures.merge("no answer by the end of the run", 1L, Long::sum);
    }

    private static long clamp(long nanos) {
        return Math.max(1_000, Math.min(HIGHEST_NANOS, nanos));
    }

    /** Adds another recorder's requests to this one (the generator keeps one per event loop). */
    public void add(LatencyRecorder other) {
        corrected.add(other.corrected);
        service.add(other.service);
        maxSendLagNanos = Math.max(maxSendLagNanos, other.maxSendLagNanos);
        ok += other.ok;
        answered += other.answered;
        other.failures.forEach((k, v) -> failures.merge(k, v, Long::sum));
    }

    /** The run's figures; {@code peakInFlight} is the most requests the generator had open at once. */
    public RateResult result(double targetRate, double seconds, int peakInFlight) {
        return new RateResult(targetRate, answered / seconds, peakInFlight, ok, Map.copyOf(failures),
                micros(corrected, 50), micros(corrected, 90), micros(corrected, 99), micros(corrected, 99.9),
                corrected.getMaxValue() / 1_000.0, micros(service, 99), maxSendLagNanos / 1_000.0);
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1_000.0;
    }
}
