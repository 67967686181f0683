package dev.sluice.gateway.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the access lines off the event loop: the loop only puts the line's fields on a bounded queue (never
 * waiting); one daemon thread encodes and writes them on logger {@code sluice.access}. When the queue is full — the
 * log output cannot keep up — the line is dropped and counted ({@code sluice_access_log_dropped_total}), so a slow
 * terminal or disk never slows requests.
 */
public final class AccessLogWriter {
    /** Lines waiting to be written at most; about 64 MiB at the worst. */
    public static final int CAPACITY = 65_536;
    private static final Logger LOG = LoggerFactory.getLogger("sluice.access");
    private static final BlockingQueue<Line> QUEUE = new ArrayBlockingQueue<>(CAPACITY);
    private static final AtomicLong DROPPED = new AtomicLong();
    private static final AtomicLong SUBMITTED = new AtomicLong();
    private static final AtomicLong WRITTEN = new AtomicLong();

    private record Line(Map<String, Object> fields, String method, Object route, int status) {}

    static {
        Thread t = new Thread(AccessLogWriter::run, "sluice-access-log");
        t.setDaemon(true);
        t.start();
    }

    private AccessLogWriter() {}

    /** Queues one access line (called on the event loop); false when it was dropped. */
    static boolean submit(Map<String, Object> fields, String method, Object route, int status) {
        if (!QUEUE.offer(new Line(fields, method, route, status))) {
            DROPPED.incrementAndGet();
            return false;
        }
        SUBMITTED.incrementAndGet();
        return true;
    }

    private static void run() {
        while (true) {
            Line l;
            try {
                l = QUEUE.take();
            } catch (InterruptedException e) {
                continue; // a daemon: it ends with the JVM
            }
            try {
                LOG.info(net.logstash.logback.marker.Markers.appendEntries(l.fields()), "{} {} {}", l.method(),
                        l.route(), l.status());
            } catch (RuntimeException e) {
                DROPPED.incrementAndGet();
            } finally {
                WRITTEN.incrementAndGet();
            }
        }
    }

    /** Lines dropped because the queue was full (or their writing failed), since start. */
    public static long dropped() {
        return DROPPED.get();
    }

    /** Lines queued and not yet written. */
    public static int pending() {
        return QUEUE.size();
    }

    /** Waits until every line queued so far has been written, up to {@code timeoutMs} (tests, shutdown). */
    public static void awaitWritten(long timeoutMs) {
        long target = SUBMITTED.get();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (WRITTEN.get() < target && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
