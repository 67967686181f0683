package dev.sluice.gateway.batch;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.files.FileStorage;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.store.ApiKeys;
import dev.sluice.gateway.store.BatchRecord;
import dev.sluice.gateway.store.BatchRecords;
import dev.sluice.gateway.store.BatchStatus;
import dev.sluice.gateway.store.CreatedKey;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.FileRecord;
import dev.sluice.gateway.store.FileRecords;
import dev.sluice.gateway.store.Settings;
import dev.sluice.gateway.store.StorageSettings;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Batch API's lifecycle: creates batches (with their key and their own link to the input file), cancels them,
 * and runs one {@link BatchRunner} per active batch this gateway holds a claim on. At start it resumes every batch
 * left validating, in_progress, finalizing or cancelling; gateways sharing a database take over each other's
 * batches once a claim lapses ({@code batch.lease_ms}). Methods that touch the database block: call them from
 * worker threads.
 */
public final class BatchService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchService.class);
    static final Duration WINDOW = Duration.ofHours(24);

    /** What runners share: storage, clock, settings, the key deriver, the validator and the loopback client. */
    record Context(Database database, BatchRecords records, FileStorage storage, Clock clock,
                   SluiceConfig.BatchSettings settings, BatchKeys keys, BatchValidator validator,
                   LoopbackClient client, String runnerId, LiveTraffic live,
                   java.util.function.Consumer<String> lineOutcomes) {}

    /** A validated {@code POST /v1/batches} body. */
    public record CreateRequest(String inputFileId, String endpoint, String completionWindow,
                                Map<String, String> metadata) {}

    private final Vertx vertx;
    private final Database db;
    private final BatchRecords records;
    private final FileRecords files;
    private final FileStorage storage;
    private final Clock clock;
    private final SluiceConfig.BatchSettings settings;
    private final BatchKeys keys;
    private final BatchValidator validator;
    private final long requestTimeoutMs;
    private final LiveTraffic live;
    private final String runnerId = "gw_" + UUID.randomUUID();
    private final Map<String, BatchRunner> running = new ConcurrentHashMap<>();
    private volatile Context context;
    private volatile boolean closed;
    private long adoptTimer = -1;

    public BatchService(Vertx vertx, Database db, Clock clock, FileStorage storage, ModelCatalog catalog,
                        SluiceConfig.BatchSettings settings, long requestTimeoutMs, LiveTraffic live) {
        this.vertx = vertx;
        this.db = db;
        this.records = new BatchRecords(db);
        this.files = new FileRecords(db);
        this.storage = storage;
        this.clock = clock;
        this.settings = settings;
        this.keys = new BatchKeys(new Settings(db, clock), new ApiKeys(db, clock));
        this.validator = new BatchValidator(catalog, settings.maxTasks());
        this.requestTimeoutMs = requestTimeoutMs;
        this.live = live;
    }

    /**
     * Starts running batches against the public port at {@code host:port} and resumes the unfinished ones. In
     * embedded mode (SQLite: one gateway per database) old claims are dropped at once; with PostgreSQL other
     * gateways' batches are adopted when their claim lapses.
     */
    private java.util.function.Consumer<String> lineOutcomes = outcome -> { };

    /** Told the outcome of every batch line recorded ({@code completed}, {@code failed} or the code it got); before start. */
    public void onLine(java.util.function.Consumer<String> outcomes) {
        this.lineOutcomes = outcomes;
    }

    public void start(String host, int port) {
        keys.secret("warm-up"); // creates the server secret outside any request's transaction
        String target = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        LoopbackClient client = new LoopbackClient(vertx, target, port, Math.max(8, settings.concurrency() * 2),
                requestTimeoutMs, clock);
        context = new Context(db, records, storage, clock, settings, keys, validator, client, runnerId, live,
                lineOutcomes);
        if (db.kind() == StorageSettings.Kind.SQLITE) records.releaseAllClaims();
        adopt();
        adoptTimer = vertx.setPeriodic(Math.max(1000, settings.leaseMs() / 2),
                t -> vertx.executeBlocking(() -> {
                    adopt();
                    return null;
                }, false));
    }

    /** Claims and starts every active batch that nobody (alive) is running. */
    private void adopt() {
        if (closed) return;
        try {
            for (String id : records.activeIds()) launch(id);
        } catch (RuntimeException e) {
            LOG.warn("could not look for batches to resume: {}", e.toString());
        }
    }

    private void launch(String id) {
        if (closed || running.containsKey(id)) return;
        Instant now = clock.instant();
        if (!records.claim(id, runnerId, now.plusMillis(settings.leaseMs()), now)) return;
        BatchRunner r = new BatchRunner(context, id, () -> running.remove(id));
        if (running.putIfAbsent(id, r) == null) r.start();
    }

    /**
     * Creates a batch in {@code validating} for the caller's project: 404 for an input file the project does not
     * have, 422 for a file that is not a processed {@code purpose=batch} upload. Validation runs asynchronously.
     */
    public BatchRecord create(Caller caller, CreateRequest req) {
        FileRecord input = files.find(caller.projectId(), req.inputFileId()).orElseThrow(() ->
                ApiException.at(ErrorKind.NOT_FOUND, "input_file_id", "kind", "file", "id", req.inputFileId()));
        if (!FileRecord.PURPOSE_BATCH.equals(input.purpose())) {
            throw ApiException.at(ErrorKind.UNPROCESSABLE_ENTITY, "input_file_id", "detail", "File '" + input.id()
                    + "' has purpose '" + input.purpose() + "'; a batch needs a file uploaded with purpose 'batch'.");
        }
        if (!FileRecord.STATUS_PROCESSED.equals(input.status())) {
            throw ApiException.at(ErrorKind.UNPROCESSABLE_ENTITY, "input_file_id", "detail", "File '" + input.id()
                    + "' is " + input.status() + ", not yet processed; try again once it is.");
        }
        String id = BatchRecords.newId();
        String inputName = id + ".input.jsonl";
        storage.alias(input.storageName(), inputName);
        Instant now = clock.instant();
        Instant expires = now.plus(WINDOW);
        BatchRecord created = db.transaction(c -> {
            CreatedKey key = keys.mint(caller.projectId(), id, expires);
            BatchRecord b = new BatchRecord(id, caller.orgId(), caller.projectId(), key.key().id(), req.endpoint(),
                    input.id(), inputName, req.completionWindow(), req.metadata(), BatchStatus.VALIDATING, null, null,
                    null, BatchRecord.Counts.ZERO, BatchRecord.Times.created(now, expires));
            records.insert(b);
            records.creator(id, caller.keyId());
            return b;
        });
        // The answer is the batch as created (validating), read before its runner starts and can move it on.
        BatchRecord answer = records.get(id).orElse(created);
        if (context != null) launch(id);
        return answer;
    }

    /**
     * Asks the batch to stop: validating / in_progress → cancelling (lines in flight finish, then the batch ends
     * cancelled with partial files); cancelling again is a no-op; a batch that is finalizing or finished is 409.
     */
    public BatchRecord cancel(Caller caller, String id) {
        BatchRecord b = records.find(caller.projectId(), id).orElseThrow(() -> notFound(id));
        if (b.status() == BatchStatus.VALIDATING || b.status() == BatchStatus.IN_PROGRESS) {
            if (!records.toCancelling(id, clock.instant())) b = records.get(id).orElseThrow();
        }
        BatchStatus now = records.status(id).orElseThrow();
        if (now != BatchStatus.CANCELLING) {
            throw ApiException.of(ErrorKind.CONFLICT, "detail", "Batch '" + id + "' cannot be cancelled: it is "
                    + now.wire() + ".");
        }
        BatchRunner r = running.get(id);
        if (r != null) r.cancel();
        else if (context != null) launch(id);
        return records.get(id).orElse(b);
    }

    public BatchRecords records() {
        return records;
    }

    static ApiException notFound(String id) {
        return ApiException.of(ErrorKind.NOT_FOUND, "kind", "batch", "id", id);
    }

    /**
     * Stops sending lines, lets the ones in flight finish (bounded), and persists their results; what is left runs
     * at the next start.
     */
    @Override
    public void close() {
        closed = true;
        if (adoptTimer >= 0) vertx.cancelTimer(adoptTimer);
        running.values().forEach(BatchRunner::close);
        for (BatchRunner r : running.values()) {
            try {
                r.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Context cx = context;
        if (cx != null) cx.client().close();
    }
}
