package dev.sluice.gateway.batch;

import dev.sluice.protocol.Hashes;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.files.FileStorage;
import dev.sluice.gateway.store.BatchRecord;
import dev.sluice.gateway.store.BatchRecords;
import dev.sluice.gateway.store.BatchStatus;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.FileRecord;
import dev.sluice.gateway.store.FileRecords;
import dev.sluice.gateway.store.LineResult;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Drives one batch from its stored status to a final one, on its own virtual thread: validates the input, sends
 * the lines without a result (at most {@code concurrency} at a time) and persists each answer, fills the lines that
 * never ran with {@code batch_expired} / {@code batch_cancelled}, and assembles the output and error files. Every
 * step starts from what the database says, so a runner started after a crash simply carries on.
 */
final class BatchRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);
    private static final long HOUSEKEEPING_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long a clean shutdown waits for lines in flight before leaving them to the next start. */
    private static final long SHUTDOWN_WAIT_MS = 10_000;

    /** Why sending lines stopped. */
    enum Stop { DONE, EXPIRED, CANCELLED, CLOSING }

    private final BatchService.Context cx;
    private final String batchId;
    private final Thread thread;
    private volatile boolean cancelRequested;
    private volatile boolean closing;
    private long nextHousekeeping;
    private long nextPacedDispatch;

    BatchRunner(BatchService.Context cx, String batchId, Runnable onExit) {
        this.cx = cx;
        this.batchId = batchId;
        this.thread = Thread.ofVirtual().name("batch-" + batchId).unstarted(() -> {
            try {
                run();
            } catch (RuntimeException | Error e) {
                LOG.error("batch {} runner stopped on an unexpected error; it resumes at the next start", batchId, e);
            } finally {
                onExit.run();
            }
        });
    }

    void start() {
        thread.start();
    }

    /** A cancel arrived through this gateway: stop sending lines at once. */
    void cancel() {
        cancelRequested = true;
    }

    /** The gateway is stopping: stop sending, let lines in flight finish (bounded), leave the rest for later. */
    void close() {
        closing = true;
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private Instant now() {
        return cx.clock().instant();
    }

    private BatchRecords records() {
        return cx.records();
    }

    private void run() {
        int idleRounds = 0;
        while (!closing) {
            BatchRecord b = records().get(batchId).orElse(null);
            if (b == null) return;
            switch (b.status()) {
                case VALIDATING -> validate(b);
                case IN_PROGRESS -> {
                    Stop stop = runLines(b);
                    switch (stop) {
                        case DONE -> {
                            BatchRecord now = records().get(batchId).orElseThrow();
                            BatchRecord.Counts c = now.counts();
                            if (c.completed() + c.failed() >= c.total()) {
                                records().toFinalizing(batchId, now());
                            } else if (++idleRounds > 3) {
                                sleep(1000); // results could not be stored; try the missing lines again shortly
                            }
                        }
                        case EXPIRED -> {
                            fill(b, ResultLines.EXPIRED, ResultLines.EXPIRED_MESSAGE);
                            assemble(b, BatchStatus.EXPIRED);
                        }
                        case CANCELLED, CLOSING -> { } // the loop re-reads the status (cancelling) or ends
                    }
                }
                case CANCELLING -> {
                    if (b.times().inProgressAt() != null) {
                        fill(b, ResultLines.CANCELLED, ResultLines.CANCELLED_MESSAGE);
                    }
                    assemble(b, BatchStatus.CANCELLED);
                }
                case FINALIZING -> assemble(b, BatchStatus.COMPLETED);
                case COMPLETED, FAILED, EXPIRED, CANCELLED -> {
                    cleanUp(b);
                    return;
                }
            }
        }
    }

    private void validate(BatchRecord b) {
        Path input = cx.storage().path(b.inputName());
        BatchValidator.Result r;
        try {
            r = cx.validator().validate(input, b.endpoint());
        } catch (UncheckedIOException e) {
            LOG.error("batch {}: input file unreadable", batchId, e);
            r = new BatchValidator.Result(0, List.of(new BatchRecord.LineError("invalid_file",
                    "The input file could not be read.", null, null)));
        }
        if (r.ok()) records().toInProgress(batchId, r.total(), now());
        else records().toFailed(batchId, r.errors(), now());
    }

    /** Sends every line that has no result yet, until all are answered or the batch must stop. */
    private Stop runLines(BatchRecord b) {
        Set<String> done = records().finishedCustomIds(batchId);
        if (done.size() >= b.counts().total()) return Stop.DONE;
        String secret = cx.keys().secret(batchId);
        int concurrency = cx.settings().concurrency();
        Semaphore slots = new Semaphore(concurrency);
        LineWriter writer = new LineWriter(records(), batchId, cx.clock()).start();
        Stop[] stop = {Stop.DONE};
        try {
            InputLines.forEach(cx.storage().path(b.inputName()), line -> {
                String customId = line.customId();
                if (customId == null || done.contains(customId)) return true;
                Stop s;
                try {
                    s = awaitSlot(slots, b);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    s = Stop.CLOSING;
                }
                if (s != null) {
                    stop[0] = s;
                    return false;
                }
                send(b, secret, line, slots, writer);
                return true;
            });
            awaitInFlight(slots, concurrency, b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop[0] = Stop.CLOSING;
        } finally {
            try {
                writer.finish();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (stop[0] == Stop.DONE && closing) return Stop.CLOSING;
        return stop[0];
    }

    private void send(BatchRecord b, String secret, InputLines.Line line, Semaphore slots, LineWriter writer) {
        JsonNode body = line.json().get("body");
        Buffer payload = Buffer.buffer(body.toString());
        String customId = line.customId();
        int lineNo = line.number();
        cx.client().post(b.endpoint(), secret, idempotencyKey(batchId, customId), payload, () -> keepWaiting(b))
                .onComplete(ar -> {
                    try {
                        if (ar.succeeded() && closing && ar.result().throttled()) {
                            // still being told to slow down at shutdown: not a result, the next start sends it again
                        } else if (ar.succeeded()) {
                            LineResult result = ResultLines.answered(customId, lineNo, ar.result());
                            writer.add(result);
                            cx.lineOutcomes().accept(result.ok() ? "completed" : "failed");
                        } else if (!closing) {
                            LOG.warn("batch {}: line {} could not reach the gateway: {}", batchId, lineNo,
                                    ar.cause().toString());
                            writer.add(ResultLines.unanswered(customId, lineNo, "internal_error",
                                    "The gateway could not run this request; see its logs."));
                            cx.lineOutcomes().accept("failed");
                        } // closing: not recorded, so the next start runs it again
                    } finally {
                        slots.release();
                    }
                });
    }

    /** Whether a line being told to slow down should keep waiting: not once the batch must stop. */
    private boolean keepWaiting(BatchRecord b) {
        return !closing && !cancelRequested && now().isBefore(b.times().expiresAt());
    }

    /**
     * Waits for a free slot; returns why to stop instead, if the batch must stop sending. While live traffic is
     * being served, only one line is in flight at a time and lines leave at {@code batch.yield_lines_per_second}.
     */
    private Stop awaitSlot(Semaphore slots, BatchRecord b) throws InterruptedException {
        int concurrency = cx.settings().concurrency();
        long pace = TimeUnit.SECONDS.toNanos(1) / Math.max(1, cx.settings().yieldLinesPerSecond());
        while (true) {
            Stop s = stopReason(b);
            if (s != null) return s;
            if (cx.live().active()) {
                long now = System.nanoTime();
                if (slots.availablePermits() < concurrency || now < nextPacedDispatch) {
                    Thread.sleep(2);
                    continue;
                }
                nextPacedDispatch = now + pace;
            }
            if (slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                s = stopReason(b);
                if (s == null) return null;
                slots.release();
                return s;
            }
        }
    }

    private void awaitInFlight(Semaphore slots, int concurrency, BatchRecord b) throws InterruptedException {
        long closingDeadline = Long.MAX_VALUE;
        while (!slots.tryAcquire(concurrency, 100, TimeUnit.MILLISECONDS)) {
            housekeeping(b);
            if (closing && closingDeadline == Long.MAX_VALUE) {
                closingDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MS);
            }
            if (System.nanoTime() > closingDeadline) return; // abandoned: run again at the next start
        }
        slots.release(concurrency);
    }

    private Stop stopReason(BatchRecord b) {
        housekeeping(b);
        if (closing) return Stop.CLOSING;
        if (cancelRequested) return Stop.CANCELLED;
        if (!now().isBefore(b.times().expiresAt())) return Stop.EXPIRED;
        return null;
    }

    /** Twice a second: renew this gateway's claim and notice a cancel made through another gateway. */
    private void housekeeping(BatchRecord b) {
        long t = System.nanoTime();
        if (t < nextHousekeeping) return;
        nextHousekeeping = t + HOUSEKEEPING_NANOS;
        Instant now = now();
        if (!records().claim(batchId, cx.runnerId(), now.plusMillis(cx.settings().leaseMs()), now)) {
            if (records().status(batchId).map(BatchStatus::terminal).orElse(true)) {
                closing = true;
                return;
            }
            LOG.warn("batch {}: another gateway took it over; stopping here", batchId);
            closing = true;
            return;
        }
        if (records().status(batchId).orElse(null) == BatchStatus.CANCELLING) cancelRequested = true;
    }

    /** Gives every line without a result the error {@code code}, so each custom_id ends up in exactly one file. */
    private void fill(BatchRecord b, String code, String message) {
        Set<String> done = records().finishedCustomIds(batchId);
        List<LineResult> chunk = new ArrayList<>();
        InputLines.forEach(cx.storage().path(b.inputName()), line -> {
            String customId = line.customId();
            if (customId == null || done.contains(customId)) return true;
            chunk.add(ResultLines.unanswered(customId, line.number(), code, message));
            cx.lineOutcomes().accept(code);
            if (chunk.size() >= 1000) {
                records().recordLines(batchId, chunk, now());
                chunk.clear();
            }
            return true;
        });
        records().recordLines(batchId, chunk, now());
    }

    /**
     * Writes the output and error files from the stored lines and moves the batch to {@code to} in one transaction
     * with the file rows; then revokes the batch's key. Safe to repeat after a crash (same file ids and names).
     */
    private void assemble(BatchRecord b, BatchStatus to) {
        String outputId = derivedFileId("output");
        String errorId = derivedFileId("error");
        Written output = writeLines(b, true, outputId);
        Written errors = writeLines(b, false, errorId);
        Instant at = now();
        Database db = cx.database();
        boolean moved;
        try {
            moved = db.transaction(c -> {
                if (output != null) register(b, outputId, "batch_" + batchId + "_output.jsonl", output, at);
                if (errors != null) register(b, errorId, "batch_" + batchId + "_error.jsonl", errors, at);
                if (!records().finish(batchId, to, output == null ? null : outputId,
                        errors == null ? null : errorId, at)) {
                    throw new StatusMoved();
                }
                records().deleteLines(batchId);
                return true;
            });
        } catch (StatusMoved e) {
            moved = false;
        }
        if (!moved) {
            if (output != null) cx.storage().delete(outputId);
            if (errors != null) cx.storage().delete(errorId);
            return;
        }
        LOG.info("batch {} {}", batchId, to.wire());
    }

    private void register(BatchRecord b, String id, String filename, Written w, Instant at) {
        cx.storage().commit(w.temp(), id);
        new FileRecords(cx.database()).insert(new FileRecord(id, b.orgId(), b.projectId(),
                FileRecord.PURPOSE_BATCH_OUTPUT, filename, w.bytes(), w.lines(), FileRecord.STATUS_PROCESSED, id, at));
    }

    private record Written(Path temp, long bytes, int lines) {}

    /** Writes one file's lines to a temporary file; null when there are none. */
    private Written writeLines(BatchRecord b, boolean ok, String id) {
        Path temp = cx.storage().newTemp();
        long[] bytes = {0};
        int[] lines = {0};
        try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            records().forEachLine(batchId, ok, line -> {
                try {
                    out.write(line);
                    out.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                bytes[0] += line.getBytes(StandardCharsets.UTF_8).length + 1;
                lines[0]++;
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (lines[0] == 0) {
            FileStorage.deleteQuietly(temp);
            return null;
        }
        return new Written(temp, bytes[0], lines[0]);
    }

    private void cleanUp(BatchRecord b) {
        cx.keys().revoke(b.batchKeyId(), now());
        cx.storage().delete(b.inputName());
    }

    /** A stable id for the batch's output or error file, so a repeated assembly produces the same file. */
    private String derivedFileId(String which) {
        return "file-" + Hashes.sha256Hex(batchId + "/" + which).substring(0, 24);
    }

    /** The line's Idempotency-Key: the same on every attempt, across restarts. */
    static String idempotencyKey(String batchId, String customId) {
        return batchId + "-" + Hashes.sha256Hex(customId).substring(0, 32);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Thrown inside the assembly transaction when the batch's status moved meanwhile: roll back, re-read. */
    private static final class StatusMoved extends RuntimeException {
        StatusMoved() {
            super(null, null, false, false);
        }
    }
}
