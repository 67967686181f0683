package dev.sluice.gateway.batch;

import dev.sluice.gateway.store.BatchRecords;
import dev.sluice.gateway.store.LineResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Persists finished lines in small transactions (up to 500 lines, at least every 20 ms) on its own thread, so the
 * event loop only queues. A line counts as done — in the request counts and for a resumed batch — only once its
 * row is committed; a crash before that loses nothing but the need to run the line again.
 */
final class LineWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LineWriter.class);
    private static final int MAX_BATCH = 500;

    private final BatchRecords records;
    private final String batchId;
    private final Clock clock;
    private final LinkedBlockingQueue<LineResult> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean stopping;

    LineWriter(BatchRecords records, String batchId, Clock clock) {
        this.records = records;
        this.batchId = batchId;
        this.clock = clock;
        this.thread = Thread.ofVirtual().name("batch-writer-" + batchId).unstarted(this::loop);
    }

    LineWriter start() {
        thread.start();
        return this;
    }

    /** Queues a finished line; never blocks. */
    void add(LineResult r) {
        queue.add(r);
    }

    /** Writes everything queued so far and stops. */
    void finish() throws InterruptedException {
        stopping = true;
        thread.join();
    }

    private void loop() {
        List<LineResult> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (true) {
                LineResult first = queue.poll(20, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (stopping && queue.isEmpty()) return;
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(List<LineResult> batch) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                records.recordLines(batchId, batch, clock.instant());
                return;
            } catch (RuntimeException e) { // StoreException (busy, unreachable) above all
                if (attempt >= 5) {
                    // Not recorded: these lines run again when the batch resumes (same Idempotency-Key).
                    LOG.error("batch {}: could not record {} line results", batchId, batch.size(), e);
                    return;
                }
                Thread.sleep(100L * attempt);
            }
        }
    }
}
