package dev.sluice.gateway.http;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongSupplier;

/**
 * Client mistakes caught below the router (codec, chunk and multipart errors, timeouts, connection caps): each is
 * counted in {@code sluice_client_mistakes_total{kind}} and logged as one WARN line without a stack trace on
 * logger {@code sluice.client}, at most {@code perSecond} lines a second; the next line that gets out says how
 * many were suppressed. A flood of bad requests therefore costs a counter increment each, not a log line each.
 */
public final class ClientMistakes {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.client");
    private static final long SECOND = 1_000_000_000L;

    private final MeterRegistry metrics;
    private final int perSecond;
    private final LongSupplier nanoTime;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    public ClientMistakes(MeterRegistry metrics, int perSecond, LongSupplier nanoTime) {
        this.metrics = metrics;
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
        this.windowStart = nanoTime.getAsLong();
    }

    /** One mistake of {@code kind} (a short token such as {@code malformed_request}) with a one-line detail. */
    public void record(String kind, String requestId, String detail) {
        metrics.counter("sluice_client_mistakes", "kind", kind).increment();
        long dropped;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (now - windowStart >= SECOND) {
                windowStart = now;
                inWindow = 0;
            }
            if (inWindow >= perSecond) {
                suppressed++;
                return;
            }
            inWindow++;
            dropped = suppressed;
            suppressed = 0;
        }
        if (dropped > 0) {
            LOG.warn("client mistake kind={} request_id={} detail={} (suppressed {} similar lines)", kind, requestId,
                    oneLine(detail), dropped);
        } else {
            LOG.warn("client mistake kind={} request_id={} detail={}", kind, requestId, oneLine(detail));
        }
    }

    /** The first line of a message, without control characters and at most 200 characters. */
    static String oneLine(String s) {
        if (s == null) return "-";
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') break;
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
