package dev.sluice.gateway.console;

import dev.sluice.gateway.usage.RequestObserver;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-minute counters of the last day of public traffic, in memory: requests, failures by {@link ErrorClass},
 * latency and time-to-first-token histograms, tokens in and out, upstream attempts. {@link #finished} is the one
 * call on the request path: it finds the minute's slot of a ring and bumps a few atomic counters. A slot is reset
 * when its minute comes round again, so the ring never grows.
 */
public final class TrafficSeries implements RequestObserver {
    static final int MINUTES = 1440;
    /** Histogram buckets: four per power of two of milliseconds, up to about 35 minutes. */
    static final int HIST = 81;
    private static final int CLASSES = ErrorClass.values().length;
    private static final int REQUESTS = 0, CLASS0 = 1, TOKENS_IN = CLASS0 + CLASSES, TOKENS_OUT = TOKENS_IN + 1,
            ATTEMPTS = TOKENS_OUT + 1, RETRIED = ATTEMPTS + 1, LATENCY0 = RETRIED + 1, TTFT0 = LATENCY0 + HIST,
            WIDTH = TTFT0 + HIST;

    private final Clock clock;
    private final long[] minuteOf = new long[MINUTES];
    private final AtomicLongArray counts = new AtomicLongArray(MINUTES * WIDTH);

    public TrafficSeries(Clock clock) {
        this.clock = clock;
        java.util.Arrays.fill(minuteOf, Long.MIN_VALUE);
    }

    /** One minute of traffic; {@code failures} is indexed by {@link ErrorClass#ordinal()}. */
    public record Point(long minute, long requests, long[] failures, long tokensIn, long tokensOut, long attempts,
                        long retried, double latencyP50Ms, double latencyP99Ms, double ttftP50Ms, double ttftP99Ms) {
        public long failed() {
            long n = 0;
            for (long f : failures) n += f;
            return n;
        }
    }

    @Override
    public void finished(int status, String errorCode, long latencyNanos, long firstByteNanos, int promptTokens,
                         int completionTokens, int attempts, boolean streamFailed) {
        int base = slot(clock.millis() / 60_000) * WIDTH;
        counts.incrementAndGet(base + REQUESTS);
        ErrorClass c = ErrorClass.of(status, errorCode, streamFailed);
        if (c != null) counts.incrementAndGet(base + CLASS0 + c.ordinal());
        if (promptTokens > 0) counts.addAndGet(base + TOKENS_IN, promptTokens);
        if (completionTokens > 0) counts.addAndGet(base + TOKENS_OUT, completionTokens);
        if (attempts > 0) counts.addAndGet(base + ATTEMPTS, attempts);
        if (attempts > 1) counts.incrementAndGet(base + RETRIED);
        counts.incrementAndGet(base + LATENCY0 + bucket(latencyNanos / 1_000_000));
        if (firstByteNanos >= 0) counts.incrementAndGet(base + TTFT0 + bucket(firstByteNanos / 1_000_000));
    }

    /** The minutes from {@code fromMinute} to {@code toMinute} inclusive (epoch minutes); minutes without data are zero. */
    public List<Point> points(long fromMinute, long toMinute) {
        fromMinute = Math.max(fromMinute, toMinute - MINUTES + 1);
        List<Point> out = new ArrayList<>();
        for (long m = fromMinute; m <= toMinute; m++) out.add(point(m));
        return out;
    }

    /** One point summing the minutes {@code fromMinute..toMinute} (percentiles over the merged histograms). */
    public Point total(long fromMinute, long toMinute) {
        fromMinute = Math.max(fromMinute, toMinute - MINUTES + 1);
        long[] sum = new long[WIDTH];
        for (long m = fromMinute; m <= toMinute; m++) {
            int i = (int) Math.floorMod(m, (long) MINUTES);
            if (minuteOf[i] != m) continue;
            for (int k = 0; k < WIDTH; k++) sum[k] += counts.get(i * WIDTH + k);
        }
        return toPoint(toMinute, sum);
    }

    public long currentMinute() {
        return clock.millis() / 60_000;
    }

    private Point point(long minute) {
        int i = (int) Math.floorMod(minute, (long) MINUTES);
        long[] v = new long[WIDTH];
        if (minuteOf[i] == minute) for (int k = 0; k < WIDTH; k++) v[k] = counts.get(i * WIDTH + k);
        return toPoint(minute, v);
    }

    private static Point toPoint(long minute, long[] v) {
        long[] failures = new long[CLASSES];
        System.arraycopy(v, CLASS0, failures, 0, CLASSES);
        return new Point(minute, v[REQUESTS], failures, v[TOKENS_IN], v[TOKENS_OUT], v[ATTEMPTS], v[RETRIED],
                quantile(v, LATENCY0, 0.50), quantile(v, LATENCY0, 0.99), quantile(v, TTFT0, 0.50),
                quantile(v, TTFT0, 0.99));
    }

    /** The slot of {@code minute}, cleared first when it still holds an older minute. */
    private int slot(long minute) {
        int i = (int) Math.floorMod(minute, (long) MINUTES);
        if (minuteOf[i] != minute) {
            synchronized (this) {
                if (minuteOf[i] != minute) {
                    for (int k = 0; k < WIDTH; k++) counts.set(i * WIDTH + k, 0);
                    minuteOf[i] = minute;
                }
            }
        }
        return i;
    }

    /** Bucket 0 is 0 ms; then four linear steps per power of two: [2^e * (1 + s/4), 2^e * (1 + (s+1)/4)). */
    static int bucket(long ms) {
        if (ms <= 0) return 0;
        int e = 63 - Long.numberOfLeadingZeros(ms);
        int sub = e >= 2 ? (int) ((ms >>> (e - 2)) & 3) : (int) ((ms << (2 - e)) & 3);
        return Math.min(1 + 4 * e + sub, HIST - 1);
    }

    /** The upper edge of a bucket in milliseconds. */
    static double upper(int b) {
        if (b == 0) return 0;
        int e = (b - 1) / 4, sub = (b - 1) % 4;
        return Math.pow(2, e) * (1 + (sub + 1) / 4.0);
    }

    private static double quantile(long[] v, int from, double q) {
        long n = 0;
        for (int k = 0; k < HIST; k++) n += v[from + k];
        if (n == 0) return 0;
        long rank = (long) Math.ceil(q * n);
        long seen = 0;
        for (int k = 0; k < HIST; k++) {
            seen += v[from + k];
            if (seen >= rank) return Math.round(upper(k) * 10) / 10.0;
        }
        return upper(HIST - 1);
    }
}
