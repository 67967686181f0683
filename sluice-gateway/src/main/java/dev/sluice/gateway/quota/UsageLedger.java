package dev.sluice.gateway.quota;

import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.usage.Billing;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.gateway.usage.UsageRecord;
import dev.sluice.gateway.usage.UsageSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The persistent usage sink. {@link #record} (on the event loop) prices the request, adds the cost to the in-memory
 * spend and ends its quota reservation at once, then queues the row; a worker thread writes queued rows in one
 * transaction every {@code flushMs} or as soon as {@code batchSize} are waiting (how, and what that costs
 * per row: {@link LedgerStore}, docs/benchmarks.md#ledger). {@link #close} writes everything still queued. A request id is written once: a duplicate
 * still queued is dropped here, one already written is ignored by the database.
 *
 * <p>The queue is bounded ({@code capacity} rows): {@link #record} never blocks, so when the database has been
 * unreachable long enough to fill it, further rows are not kept (their spend still counts in this process) and are
 * counted in {@code sluice_ledger_dropped_total}. How far behind the writer is shows as {@code sluice_ledger_lag_seconds}.
 */
public final class UsageLedger implements UsageSink {
    private static final Logger LOG = LoggerFactory.getLogger(UsageLedger.class);
    private final LedgerStore store;
    private final SpendBook book;
    private final ModelCatalog catalog;
    private final Clock clock;
    private final long flushNanos;
    private final int batchSize;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<LedgerRow> queue = new ArrayDeque<>();
    private final Set<String> queuedIds = ConcurrentHashMap.newKeySet();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final Counter writeFailures;
    private final Counter dropped;
    private final Thread worker;
    private volatile boolean closing;
    /** Signals sent to the writer by {@link #record} (guarded by {@code lock}). */
    private long wakeUps;
    /** When the oldest row of the batch being written was recorded; -1 when none is being written. */
    private volatile long writingSinceMs = -1;

    /** Each outcome's ledger name (the enum name in lower case), made once rather than per row. */
    private static final String[] OUTCOME_NAMES = Arrays.stream(Outcome.values())
            .map(o -> o.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);

    /** The default queue bound ({@code quotas.ledger_queue_capacity}): 10 s of 10,000 requests/s. */
    public static final int DEFAULT_CAPACITY = 100_000;

    public UsageLedger(LedgerStore store, SpendBook book, ModelCatalog catalog, Clock clock, long flushMs,
                       int batchSize, MeterRegistry metrics) {
        this(store, book, catalog, clock, flushMs, batchSize, Math.max(DEFAULT_CAPACITY, batchSize), metrics);
    }

    /** @param capacity the most rows queued at once (at least {@code batchSize}); beyond it rows are dropped and counted */
    public UsageLedger(LedgerStore store, SpendBook book, ModelCatalog catalog, Clock clock, long flushMs,
                       int batchSize, int capacity, MeterRegistry metrics) {
        if (capacity < batchSize) throw new IllegalArgumentException("capacity " + capacity + " < batch size " + batchSize);
        this.store = store;
        this.book = book;
        this.catalog = catalog;
        this.clock = clock;
        this.flushNanos = TimeUnit.MILLISECONDS.toNanos(flushMs);
        this.batchSize = batchSize;
        this.capacity = capacity;
        this.writeFailures = metrics.counter("sluice_ledger_write_failures");
        this.dropped = metrics.counter("sluice_ledger_dropped");
        metrics.gauge("sluice_ledger_queued", queue, q -> queuedIds.size());
        metrics.gauge("sluice_ledger_rows_written", rows, AtomicLong::get);
        metrics.gauge("sluice_ledger_lag_seconds", this, UsageLedger::lagSeconds);
        this.worker = Thread.ofPlatform().name("sluice-ledger").daemon(true).unstarted(this::run);
        worker.start();
    }

    @Override
    public void record(UsageRecord r) {
        if (!queuedIds.add(r.requestId())) {
            book.release(r.requestId());
            return;
        }
        ModelSpec model = catalog.find(r.model()).orElse(null);
        long prompt = Billing.billedPromptTokens(r);
        long completion = Billing.billedCompletionTokens(r);
        long cost = Billing.costNanos(prompt, completion, model);
        long at = clock.millis();
        LedgerRow row = new LedgerRow(r.requestId(), at, r.orgId(), r.projectId(), r.keyId(), r.model(),
                r.endpoint(), prompt, completion, cost, r.status(), OUTCOME_NAMES[r.outcome().ordinal()],
                r.errorCode(), r.upstreamRequestId(), r.attempts(), r.stream());
        book.recorded(r.requestId(), Owner.org(r.orgId()), Owner.project(r.projectId()), cost, at);
        boolean full;
        lock.lock();
        try {
            if (closing && !worker.isAlive()) LOG.warn("usage record {} arrived after the ledger closed", r.requestId());
            full = queue.size() >= capacity;
            if (!full) {
                queue.add(row);
                // The writer is woken only when a batch is full; otherwise it wakes on its own flush timer. A signal
                // per record would be a futex call per request on the event loop.
                if (queue.size() == batchSize) {
                    wakeUps++;
                    wake.signal();
                }
            }
        } finally {
            lock.unlock();
        }
        if (full) {
            queuedIds.remove(r.requestId());
            dropped.increment();
            long n = (long) dropped.count();
            if (n == 1 || n % 10_000 == 0) {
                LOG.error("usage ledger queue full ({} rows waiting for the database): {} record(s) dropped so far, "
                        + "latest {}", capacity, n, r.requestId());
            }
        }
    }

    private void run() {
        List<LedgerRow> batch = new ArrayList<>(batchSize);
        while (true) {
            batch.clear();
            lock.lock();
            try {
                long deadline = System.nanoTime() + flushNanos;
                while (!closing && queue.size() < batchSize) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) break;
                    wake.awaitNanos(left);
                }
                if (queue.isEmpty()) {
                    if (closing) return;
                    continue;
                }
                while (!queue.isEmpty() && batch.size() < batchSize) batch.add(queue.poll());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            write(batch);
        }
    }

    /**
     * How far the ledger is behind: the age of the oldest usage record not yet stored (0 when everything is), on the
     * ledger's clock. Exposed as {@code sluice_ledger_lag_seconds}.
     */
    public double lagSeconds() {
        long oldest;
        lock.lock();
        try {
            LedgerRow head = queue.peek();
            oldest = head == null ? -1 : head.createdAtMillis();
        } finally {
            lock.unlock();
        }
        long writing = writingSinceMs;
        if (writing >= 0 && (oldest < 0 || writing < oldest)) oldest = writing;
        return oldest < 0 ? 0 : Math.max(0, clock.millis() - oldest) / 1000.0;
    }

    /** Writes one batch, retrying until it is stored (a few times only once closing). */
    private void write(List<LedgerRow> batch) {
        writingSinceMs = batch.getFirst().createdAtMillis();
        try {
            writeOnce(batch);
        } finally {
            writingSinceMs = -1;
        }
    }

    private void writeOnce(List<LedgerRow> batch) {
        for (int attempt = 1; ; attempt++) {
            try {
                LedgerStore.Written written = store.write(batch);
                book.committed(written.sums());
                rows.addAndGet(batch.size()); // before the batch count: who sees the batch sees its rows
                batches.incrementAndGet();
                for (LedgerRow r : batch) queuedIds.remove(r.requestId());
                return;
            } catch (RuntimeException e) {
                writeFailures.increment();
                if (closing && attempt >= 3) {
                    LOG.error("usage ledger: {} rows could not be written at shutdown: {}", batch.size(), e.toString());
                    return;
                }
                LOG.warn("usage ledger write failed (attempt {}), retrying: {}", attempt, e.toString());
                try {
                    Thread.sleep(Math.min(5_000, 100L * attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** How many times {@link #record} has woken the writer (once a batch is full; never per record). */
    long wakeUps() {
        lock.lock();
        try {
            return wakeUps;
        } finally {
            lock.unlock();
        }
    }

    /** Batches written so far. */
    public long batchesWritten() {
        return batches.get();
    }

    /** Records queued and not yet taken by the writer (a batch being written is no longer counted). */
    public int waiting() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Records dropped because the queue was full. */
    public long droppedRecords() {
        return (long) dropped.count();
    }

    /** Rows written so far (duplicates the database ignored included). */
    public long rowsWritten() {
        return rows.get();
    }

    /** Writes everything queued, then stops the worker. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (worker.isAlive()) LOG.error("usage ledger: interrupted while waiting for it to drain");
            return;
        }
        if (worker.isAlive()) LOG.error("usage ledger did not drain within 30 s");
    }
}
