package dev.sluice.gateway.quota;

import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.store.Backend;
import dev.sluice.gateway.store.BothBackends;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.gateway.usage.UsageRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The persistent usage ledger against SQLite and the real PostgreSQL (127.0.0.1:5432, database {@code test}, a
 * schema of its own; unreachable fails): batched writes, a drain on close, one row per request id, and spend totals
 * that count each request once.
 */
class UsageLedgerTest {
    static final ModelCatalog CATALOG = new ModelCatalog(List.of(new ModelSpec("m", "m", Modality.CHAT, 1000, 100,
            "o200k_base", 1.0, 2.0, List.of(new Deployment("sim", "sim", null, null, null, 1)), 0)));

    @TempDir
    Path tmp;

    private final Clock clock = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);
    /** The test's database ({@link Backend#freshSettings}, made by the first {@link #open}), dropped by {@link #drop}. */
    private StorageSettings settings;

    private Database open(Backend b) {
        if (settings == null) settings = b.freshSettings(tmp);
        return Backend.openOrFail(settings);
    }

    private void drop() {
        if (settings != null && settings.kind() == StorageSettings.Kind.POSTGRES) Backend.dropSchema(settings.schema());
    }

    static UsageRecord record(String id, int prompt, int completion) {
        return new UsageRecord(id, Instant.EPOCH, "org_a", "proj_a", "key_a", "m", "/v1/chat/completions", prompt,
                completion, Outcome.COMPLETED, null, 200, "up_" + id, 1, false);
    }

    private UsageLedger ledger(Database db, SpendBook book, long flushMs, int batch) {
        return new UsageLedger(new LedgerStore(db), book, CATALOG, clock, flushMs, batch, new SimpleMeterRegistry());
    }

    @BothBackends
    void theLagIsTheAgeOfTheOldestUnwrittenRecordAndZeroOnceWritten(Backend backend) throws Exception {
        java.util.concurrent.atomic.AtomicLong nowMs = new java.util.concurrent.atomic.AtomicLong(
                Instant.parse("2026-03-10T12:00:00Z").toEpochMilli());
        Clock moving = new Clock() {
            @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId z) { return this; }
            @Override public Instant instant() { return Instant.ofEpochMilli(nowMs.get()); }
        };
        try (Database db = open(backend)) {
            UsageLedger ledger = new UsageLedger(new LedgerStore(db), new SpendBook(moving), CATALOG, moving, 600_000,
                    50, new SimpleMeterRegistry());
            assertThat(ledger.lagSeconds()).isZero();
            ledger.record(record("req_old", 10, 5)); // waits for the (long) flush interval
            nowMs.addAndGet(2_500);
            ledger.record(record("req_new", 10, 5));
            nowMs.addAndGet(1_000);

            assertThat(ledger.lagSeconds()).isEqualTo(3.5);

            ledger.close();
            assertThat(ledger.rowsWritten()).isEqualTo(2);
            assertThat(ledger.lagSeconds()).isZero();
        } finally {
            drop();
        }
    }

    @org.junit.jupiter.api.Test
    void theWriterIsWokenOnlyWhenABatchIsFullNeverPerRecord() throws Exception {
        try (Database db = open(Backend.SQLITE)) {
            UsageLedger ledger = ledger(db, new SpendBook(clock), 600_000, 50);
            for (int i = 0; i < 49; i++) ledger.record(record("req_a" + i, 10, 5));
            assertThat(ledger.wakeUps()).isZero(); // 49 records, no signal: the writer sleeps on its flush timer

            ledger.record(record("req_a49", 10, 5));
            assertThat(ledger.wakeUps()).isEqualTo(1); // the 50th fills a batch
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (ledger.batchesWritten() < 1 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(ledger.rowsWritten()).isEqualTo(50);

            for (int i = 0; i < 49; i++) ledger.record(record("req_b" + i, 10, 5));
            assertThat(ledger.wakeUps()).isEqualTo(1);
            ledger.record(record("req_b49", 10, 5));
            assertThat(ledger.wakeUps()).isEqualTo(2);

            ledger.close();
            assertThat(ledger.rowsWritten()).isEqualTo(100);
            assertThat(ledger.wakeUps()).isEqualTo(2);
        }
    }

    @org.junit.jupiter.api.Test
    void batchSpendSumsAreTheRowByRowSumsPerOwnerAndPeriod() {
        java.util.Random random = new java.util.Random(13);
        long march = Instant.parse("2026-03-31T23:59:59Z").toEpochMilli();
        List<LedgerRow> rows = new java.util.ArrayList<>();
        java.util.Map<SpendBook.Key, Long> expected = new java.util.HashMap<>();
        for (int i = 0; i < 2_000; i++) {
            long at = march + random.nextInt(2_000); // across the end of March
            String org = "org_" + random.nextInt(3), project = "proj_" + random.nextInt(4);
            long cost = random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000);
            rows.add(new LedgerRow("req_" + i, at, org, project, null, "m", "/v1/chat/completions", 1, 1, cost, 200,
                    "completed", null, null, 1, false));
            if (cost == 0) continue;
            for (Owner o : List.of(Owner.org(org), Owner.project(project))) {
                expected.merge(new SpendBook.Key(o, SpendBook.ALL), cost, Long::sum);
                expected.merge(new SpendBook.Key(o, SpendBook.month(at)), cost, Long::sum);
            }
        }
        assertThat(expected.keySet()).extracting(SpendBook.Key::period).contains("2026-03", "2026-04", SpendBook.ALL);
        assertThat(LedgerStore.sums(rows)).isEqualTo(expected);
    }

    @BothBackends
    void rowsAreWrittenInBatchesAndTheRestIsDrainedOnClose(Backend backend) throws Exception {
        try (Database db = open(backend)) {
            UsageLedger ledger = ledger(db, new SpendBook(clock), 600_000, 50);
            for (int i = 0; i < 120; i++) ledger.record(record("req_" + i, 10, 5));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (ledger.batchesWritten() < 2 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(ledger.batchesWritten()).isEqualTo(2); // two full batches; 20 wait for the flush interval
            assertThat(ledger.rowsWritten()).isEqualTo(100);
            assertThat(count(db, "SELECT COUNT(*) FROM usage_ledger")).isEqualTo(100);

            ledger.close();

            assertThat(ledger.batchesWritten()).isEqualTo(3);
            assertThat(count(db, "SELECT COUNT(*) FROM usage_ledger")).isEqualTo(120);
            // 10 x 1.0 + 5 x 2.0 USD per 1M tokens = 20,000 nano-dollars a request
            assertThat(count(db, "SELECT SUM(cost_nanos) FROM usage_ledger")).isEqualTo(120 * 20_000L);
            assertThat(count(db, "SELECT cost_nanos FROM spend_totals WHERE scope = 'project' AND owner_id = 'proj_a' "
                    + "AND period = '2026-03'")).isEqualTo(120 * 20_000L);
        } finally {
            drop();
        }
    }

    @BothBackends
    void aRequestIdIsWrittenAndCountedOnceHoweverOftenItIsDelivered(Backend backend) throws Exception {
        try (Database db = open(backend)) {
            SpendBook book = new SpendBook(clock);
            UsageLedger ledger = ledger(db, book, 600_000, 1000);
            UsageRecord r = record("req_dup", 10, 5);
            ledger.record(r);
            ledger.record(r); // re-delivered while queued
            assertThat(book.spent(Owner.project("proj_a"), SpendBook.ALL)).isEqualTo(20_000);
            ledger.close();
            UsageLedger second = ledger(db, book, 600_000, 1000);
            second.record(r); // re-delivered after it was written (another process, a retry)
            second.close();

            assertThat(count(db, "SELECT COUNT(*) FROM usage_ledger")).isEqualTo(1);
            assertThat(count(db, "SELECT cost_nanos FROM spend_totals WHERE scope = 'organization' "
                    + "AND owner_id = 'org_a' AND period = 'all'")).isEqualTo(20_000);
            SpendBook fresh = new SpendBook(clock);
            fresh.rebase(new LedgerStore(db).totals(fresh.currentMonth()), java.util.Map.of());
            assertThat(fresh.spent(Owner.org("org_a"), SpendBook.ALL)).isEqualTo(20_000);
            // the book that saw the duplicate counts it once after a refresh
            book.rebase(new LedgerStore(db).totals(book.currentMonth()), book.takeCommitted());
            assertThat(book.spent(Owner.org("org_a"), "2026-03")).isEqualTo(20_000);
        } finally {
            drop();
        }
    }

    @BothBackends
    void requestsThatNeverReachedAModelCostNothing(Backend backend) throws Exception {
        try (Database db = open(backend)) {
            UsageLedger ledger = ledger(db, new SpendBook(clock), 10, 1000);
            ledger.record(new UsageRecord("req_refused", Instant.EPOCH, "org_a", "proj_a", "key_a", "m",
                    "/v1/chat/completions", 500, 0, Outcome.FAILED, "rate_limit_exceeded", 429, null, 0, false));
            ledger.record(new UsageRecord("req_broken", Instant.EPOCH, "org_a", "proj_a", "key_a", "m",
                    "/v1/chat/completions", 500, 0, Outcome.FAILED, "bad_gateway", 502, null, 1, false));
            ledger.record(new UsageRecord("req_partial", Instant.EPOCH, "org_a", "proj_a", "key_a", "m",
                    "/v1/chat/completions", 500, 7, Outcome.FAILED, "bad_gateway", 200, null, 1, true));
            ledger.close();
            assertThat(count(db, "SELECT cost_nanos FROM usage_ledger WHERE request_id = 'req_refused'")).isZero();
            assertThat(count(db, "SELECT cost_nanos FROM usage_ledger WHERE request_id = 'req_broken'")).isZero();
            assertThat(count(db, "SELECT cost_nanos FROM usage_ledger WHERE request_id = 'req_partial'"))
                    .isEqualTo(500 * 1_000L + 7 * 2_000L);
            assertThat(count(db, "SELECT COUNT(*) FROM usage_ledger WHERE outcome = 'failed' AND error_code = 'bad_gateway'"))
                    .isEqualTo(2);
        } finally {
            drop();
        }
    }

    @BothBackends
    void everyRowIsWrittenExactlyOnceAcrossStatementChunksAndRedeliveries(Backend backend) throws Exception {
        try (Database db = open(backend)) {
            SpendBook book = new SpendBook(clock);
            // 300 a batch: PostgreSQL's multi-row statements split it into 128 + 128 + 32 + 8 + 4 rows, SQLite's JDBC
            // batch into slices of 128 + 128 + 44 (the known ids of the second writer fall in every slice).
            UsageLedger first = ledger(db, book, 600_000, 300);
            java.util.Map<String, Long> byProject = new java.util.HashMap<>();
            List<UsageRecord> sent = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) sent.add(priced("req_a" + i, "proj_" + (i % 3), 10 + i, i % 7));
            sent.forEach(first::record);
            first.close();
            assertThat(first.rowsWritten()).isEqualTo(1000);
            // A second writer gets 200 of them again, interleaved with 100 new ones: batches that mix known and new ids.
            UsageLedger second = ledger(db, book, 600_000, 300);
            List<UsageRecord> again = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                again.add(i % 3 == 2 ? priced("req_b" + i, "proj_" + (i % 3), 5 + i, 3) : sent.get(i * 3));
            }
            again.forEach(second::record);
            second.close();
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (List<UsageRecord> l : List.of(sent, again)) {
                for (UsageRecord r : l) {
                    if (!distinct.add(r.requestId())) continue;
                    long cost = r.promptTokens() * 1_000L + r.completionTokens() * 2_000L;
                    byProject.merge(r.projectId(), cost, Long::sum);
                }
            }
            assertThat(distinct).hasSize(1100);

            assertThat(ids(db)).containsExactlyInAnyOrderElementsOf(distinct);
            for (String project : List.of("proj_0", "proj_1", "proj_2")) {
                assertThat(count(db, "SELECT SUM(cost_nanos) FROM usage_ledger WHERE project_id = '" + project + "'"))
                        .isEqualTo(byProject.get(project));
                assertThat(count(db, "SELECT cost_nanos FROM spend_totals WHERE scope = 'project' AND owner_id = '"
                        + project + "' AND period = '2026-03'")).as(project).isEqualTo(byProject.get(project));
            }
            long total = byProject.values().stream().mapToLong(Long::longValue).sum();
            assertThat(count(db, "SELECT cost_nanos FROM spend_totals WHERE scope = 'organization' AND owner_id = 'org_a' "
                    + "AND period = 'all'")).isEqualTo(total);
            // The spend book, refreshed, counts each request once too.
            book.rebase(new LedgerStore(db).totals(book.currentMonth()), book.takeCommitted());
            assertThat(book.spent(Owner.org("org_a"), SpendBook.ALL)).isEqualTo(total);
            assertThat(book.spent(Owner.org("org_a"), "2026-03")).isEqualTo(total);
        } finally {
            drop();
        }
    }

    @BothBackends
    void aFullQueueDropsAndCountsRecordsInsteadOfBlockingTheCaller(Backend backend) throws Exception {
        try (Database db = open(backend)) {
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            SpendBook book = new SpendBook(clock);
            UsageLedger ledger = new UsageLedger(new LedgerStore(db), book, CATALOG, clock, 600_000, 5, 5, metrics);
            try (Connection blocker = lockLedger(backend, db)) {
                for (int i = 0; i < 5; i++) ledger.record(record("req_" + i, 10, 5));
                // The writer takes these five (a full batch) and waits for the database, which the blocker holds.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (ledger.waiting() > 0 && System.nanoTime() < deadline) Thread.onSpinWait();
                assertThat(ledger.waiting()).isZero();
                for (int i = 5; i < 12; i++) ledger.record(record("req_" + i, 10, 5)); // returns at once, never blocks

                assertThat(ledger.waiting()).isEqualTo(5);
                assertThat(ledger.droppedRecords()).isEqualTo(2);
                assertThat(metrics.get("sluice_ledger_dropped").counter().count()).isEqualTo(2.0);
                // Spend still counts every request in this process.
                assertThat(book.spent(Owner.project("proj_a"), SpendBook.ALL)).isEqualTo(12 * 20_000L);
                blocker.commit();
            }
            ledger.close();
            assertThat(ids(db)).containsExactlyInAnyOrder("req_0", "req_1", "req_2", "req_3", "req_4", "req_5", "req_6",
                    "req_7", "req_8", "req_9");
            assertThat(ledger.lagSeconds()).isZero();
        } finally {
            drop();
        }
    }

    /** A connection holding the write lock of {@code usage_ledger} until it commits. */
    private Connection lockLedger(Backend backend, Database db) throws Exception {
        if (backend == Backend.SQLITE) {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + settings.dataDir().resolve(StorageSettings.SQLITE_FILE));
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM usage_ledger WHERE request_id = 'none'"); // takes SQLite's write lock
            }
            return c;
        }
        Connection c = DriverManager.getConnection(Backend.PG_URL, Backend.PG_USER, Backend.PG_PASSWORD);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE \"" + settings.schema() + "\".usage_ledger IN EXCLUSIVE MODE");
        }
        return c;
    }

    static UsageRecord priced(String id, String project, int prompt, int completion) {
        return new UsageRecord(id, Instant.EPOCH, "org_a", project, "key_a", "m", "/v1/chat/completions", prompt,
                completion, Outcome.COMPLETED, null, 200, "up_" + id, 1, false);
    }

    private static List<String> ids(Database db) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT request_id FROM usage_ledger");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static long count(Database db, String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getLong(1);
        }
    }
}
