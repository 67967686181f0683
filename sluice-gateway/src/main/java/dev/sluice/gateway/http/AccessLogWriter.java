package dev.sluice.gateway.http;

import dev.sluice.protocol.time.Timers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes the access lines off the event loop: the loop only puts the line's values ({@link AccessRecord}) on a
 * bounded queue (never waiting, and without waking anyone); one daemon thread wakes every {@link #FLUSH_INTERVAL_MS}
 * ms — or at once when {@link #WAKE_DEPTH} lines are waiting — takes every queued line in one go, writes them on
 * logger {@code sluice.access} ({@link LogbackAccessOutput}) and then flushes the buffered log output once
 * ({@link BatchingConsoleAppender}: one {@code write} per batch instead of one per line, and no wake-up per
 * request). When the queue is full — the log output cannot keep up — the line is dropped and counted
 * ({@code sluice_access_log_dropped_total}), so a slow terminal or disk never slows requests. A crash (not a drain:
 * {@link #flush()} runs at shutdown) can lose the last {@link #FLUSH_INTERVAL_MS} ms of access lines.
 */
public final class AccessLogWriter {
    /** Lines waiting to be written at most; about 64 MiB at the worst. */
    public static final int CAPACITY = 65_536;
    /** Lines waiting at which the writer is woken at once rather than at its next interval. */
    public static final int WAKE_DEPTH = 1_024;
    /** The writer's interval: a line waits at most about this long before it is written (and flushed). */
    public static final long FLUSH_INTERVAL_MS = 20;
    private static final int BATCH = 4_096;

    /** Where lines go: at each batch {@link #begin()}, each line of the batch, then one flush. */
    interface Output {
        /** A batch starts (on the thread writing it). */
        default void begin() {}

        void write(AccessRecord line);

        void flush();
    }

    /**
     * The production output: logger {@code sluice.access} (written directly when logback is configured as
     * logback.xml configures it: {@link LogbackAccessOutput}), then a flush of every buffering appender it reaches.
     */
    static Output logback() {
        return new LogbackAccessOutput(null, java.time.Clock.systemUTC());
    }

    /**
     * A writer of its own on thread {@code name} that encodes every line exactly as the production output's direct
     * path does ({@link AccessJson}) and then drops it: the warm-up's private request path, so the JIT compiles
     * the access log's code before the first caller's line, while no line of the warm-up reaches the log.
     * {@link #close()} it when done.
     */
    public static AccessLogWriter discarding(String name) {
        AccessJson json = new AccessJson(java.time.ZoneId.systemDefault(), System.lineSeparator());
        java.time.Clock clock = java.time.Clock.systemUTC();
        return new AccessLogWriter(CAPACITY, WAKE_DEPTH, FLUSH_INTERVAL_MS, null, new Output() {
            @Override
            public void write(AccessRecord line) {
                json.append(line, clock.instant(), name);
                if (json.size() >= LogbackAccessOutput.CHUNK) json.reset();
            }

            @Override
            public void flush() {
                json.reset();
            }
        }).start(name);
    }

    private static final AccessLogWriter DEFAULT =
            new AccessLogWriter(CAPACITY, WAKE_DEPTH, FLUSH_INTERVAL_MS, null, logback()).start("sluice-access-log");

    private final BlockingQueue<AccessRecord> queue;
    private final int wakeDepth;
    private final long intervalMs;
    private final Timers timers; // null: the writer parks with a timeout (production); else it waits for this timer
    private final Output output;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicBoolean signalled = new AtomicBoolean();
    private final ReentrantLock writing = new ReentrantLock();
    private final List<AccessRecord> batch = new ArrayList<>();
    private volatile long taken;
    private volatile boolean closed;
    private volatile Thread thread;

    /**
     * A writer of its own (tests): {@code timers} null parks the thread with a timeout of {@code intervalMs}; given
     * (a fake time), the thread waits until that timer fires or the queue reaches {@code wakeDepth}.
     */
    AccessLogWriter(int capacity, int wakeDepth, long intervalMs, Timers timers, Output output) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.wakeDepth = wakeDepth;
        this.intervalMs = intervalMs;
        this.timers = timers;
        this.output = output;
    }

    AccessLogWriter start(String name) {
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    /** Queues one line (the event loop); false when it was dropped. Wakes the writer only at {@code wakeDepth}. */
    boolean offer(AccessRecord line) {
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
            return false;
        }
        long depth = submitted.incrementAndGet() - taken;
        if (depth >= wakeDepth && !signalled.get() && signalled.compareAndSet(false, true)) {
            Thread t = thread;
            if (t != null) LockSupport.unpark(t);
        }
        return true;
    }

    private void run() {
        while (!closed) {
            awaitTurn();
            try {
                writeQueued();
            } catch (RuntimeException e) {
                // counted as dropped in writeQueued; the loop must outlive any one bad line
            }
        }
    }

    /** Until the interval has passed or the queue reached its wake depth. */
    private void awaitTurn() {
        if (timers == null) {
            long deadline = System.nanoTime() + intervalMs * 1_000_000L;
            long left;
            while (!signalled.get() && !closed && (left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, left);
            }
        } else {
            Timers.Timer timer = timers.schedule(intervalMs, this::wake);
            while (!signalled.get() && !closed) LockSupport.park(this);
            timer.cancel();
        }
        signalled.set(false);
    }

    private void wake() {
        signalled.set(true);
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    /** Takes every queued line, writes them and flushes the output once; the writer thread or {@link #flushNow}. */
    private void writeQueued() {
        writing.lock();
        try {
            int n;
            long done = 0;
            do {
                n = queue.drainTo(batch, BATCH);
                taken += n;
                if (n > 0 && done == 0) {
                    try {
                        output.begin();
                    } catch (RuntimeException e) {
                        // the output keeps its general way of writing for this batch
                    }
                }
                for (AccessRecord l : batch) {
                    try {
                        output.write(l);
                    } catch (RuntimeException e) {
                        dropped.incrementAndGet();
                    }
                }
                batch.clear();
                done += n;
            } while (n == BATCH);
            if (done > 0) {
                try {
                    output.flush();
                } finally {
                    written.addAndGet(done);
                }
            }
        } finally {
            writing.unlock();
        }
    }

    /** Writes and flushes every line queued so far on the caller's thread (shutdown, tests). */
    void flushNow() {
        writeQueued();
    }

    /** Stops the thread after writing what is queued. */
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
        writeQueued();
    }

    long droppedCount() {
        return dropped.get();
    }

    long writtenCount() {
        return written.get();
    }

    int queued() {
        return queue.size();
    }

    // The process-wide writer.

    /** Queues one access line (called on the event loop); false when it was dropped. */
    static boolean submit(AccessRecord line) {
        return DEFAULT.offer(line);
    }

    /** Lines dropped because the queue was full (or their writing failed), since start. */
    public static long dropped() {
        return DEFAULT.droppedCount();
    }

    /** Lines queued and not yet written. */
    public static int pending() {
        return DEFAULT.queued();
    }

    /**
     * Whether, as logback is configured now, the access lines are written as JSON by the writer itself rather than
     * through logging events: logback.xml's configuration ({@link LogbackAccessOutput}); false for
     * {@code log.format: text} or a logback configuration of the operator's own.
     */
    public static boolean writesJsonDirectly() {
        LogbackAccessOutput probe = new LogbackAccessOutput(null, java.time.Clock.systemUTC());
        probe.begin();
        return probe.direct();
    }

    /** Writes (and flushes) every line queued so far, on the caller's thread: at shutdown, and in tests. */
    public static void flush() {
        DEFAULT.flushNow();
    }
}
