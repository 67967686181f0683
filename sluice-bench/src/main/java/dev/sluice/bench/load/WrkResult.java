package dev.sluice.bench.load;

/**
 * One wrk run: counts and latency percentiles in microseconds.
 *
 * @param requests       completed requests (any status)
 * @param durationMicros measured wall time
 * @param non2xx         responses with a status outside 2xx/3xx
 * @param socketErrors   connect + read + write errors and timeouts
 */
public record WrkResult(long requests, long durationMicros, long non2xx, long socketErrors,
                        double p50Micros, double p90Micros, double p99Micros, double p999Micros, double maxMicros) {

    public double requestsPerSecond() {
        return durationMicros <= 0 ? 0 : requests * 1_000_000.0 / durationMicros;
    }
}
