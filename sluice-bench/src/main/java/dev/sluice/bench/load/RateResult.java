package dev.sluice.bench.load;

import java.util.Map;

/**
 * A constant-rate run: the rate asked for, the answers per second that came back (unanswered requests excluded), the
 * most requests the generator had open at once, successes and failures by cause. Latencies in µs from the intended send time (coordinated omission corrected), except
 * {@code serviceP99Micros}, measured from the actual send. {@code maxSendLagMicros} is how late the generator sent its
 * latest request: when it is large the generator (not only the system) fell behind, and the corrected figures say so.
 */
public record RateResult(double targetRate, double achievedRate, int peakInFlight, long ok, Map<String, Long> failures,
                         double p50Micros, double p90Micros, double p99Micros, double p999Micros, double maxMicros,
                         double serviceP99Micros, double maxSendLagMicros) {
    public long failed() {
        return failures.values().stream().mapToLong(Long::longValue).sum();
    }
}
