package dev.sluice.gateway.quota;

import dev.sluice.gateway.store.Backend;
import dev.sluice.gateway.store.BothBackends;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger's time-range sums against SQLite and the real PostgreSQL (127.0.0.1:5432, database {@code test}, a
 * random schema dropped afterwards): since V6 SQLite has no index on {@code created_at} alone, and a range is read
 * organization by organization through {@code usage_ledger_by_org_time}. The answers are checked against sums made
 * in Java from the rows, at the range's edges and with rows of several organizations.
 */
class UsageQueriesTest {
    static final long DAY = 86_400_000L;
    static final long START = 1_772_323_200_000L; // 2026-03-01T00:00:00Z

    @TempDir
    Path tmp;

    /** The test's database ({@link Backend#freshSettings}, made by the first {@link #open}), dropped after it. */
    private StorageSettings settings;

    private StorageSettings settings(Backend b) {
        if (settings == null) settings = b.freshSettings(tmp);
        return settings;
    }

    private Database open(Backend b) {
        return Backend.openOrFail(settings(b));
    }

    @AfterEach
    void drop() {
        if (settings != null && settings.kind() == StorageSettings.Kind.POSTGRES) Backend.dropSchema(settings.schema());
    }

    private static LedgerRow row(int i, long at, String org, String project, String model, String endpoint, int attempts) {
        return new LedgerRow("req_%012x%020x".formatted(at, i), at, org, project, "key_" + project, model, endpoint,
                10 + i % 7, 3 + i % 5, 1_000L * (1 + i % 11), 200, "completed", null, null, attempts, false);
    }

    /**
     * Rows of three organizations (two projects each) exactly at the range's start, one millisecond before it, exactly
     * at its end and one before, and spread over it; some with no attempt (not model requests), two endpoints.
     */
    private static List<LedgerRow> rows() {
        Random random = new Random(7);
        List<LedgerRow> rows = new ArrayList<>();
        long[] edges = {START - 1, START, START + DAY - 1, START + DAY, START + 3 * DAY - 1, START + 3 * DAY};
        String[] orgs = {"org_a", "org_b", "org_c"};
        int i = 0;
        for (String org : orgs) {
            for (long at : edges) rows.add(row(i++, at, org, org + "_p1", "m1", "/v1/chat/completions", 1));
        }
        for (int n = 0; n < 300; n++) {
            String org = orgs[random.nextInt(orgs.length)];
            long at = START - DAY + (long) (random.nextDouble() * 5 * DAY);
            rows.add(row(i++, at, org, org + "_p" + (1 + random.nextInt(2)), random.nextBoolean() ? "m1" : "m2",
                    random.nextInt(4) == 0 ? "/v1/embeddings" : "/v1/chat/completions", random.nextInt(5) == 0 ? 0 : 1));
        }
        return rows;
    }

    /** What {@link UsageQueries#sums} must answer, summed here from the rows. */
    private static List<UsageQueries.Sum> expected(List<LedgerRow> rows, UsageQueries.Query q) {
        TreeMap<String, UsageQueries.Sum> out = new TreeMap<>();
        for (LedgerRow r : rows) {
            if (r.createdAtMillis() < q.startMs() || r.createdAtMillis() >= q.endMs() || r.attempts() == 0) continue;
            if (!q.endpoints().isEmpty() && !q.endpoints().contains(r.endpoint())) continue;
            Map<String, String> dims = Map.of("organization_id", r.orgId(), "project_id", r.projectId(),
                    "api_key_id", r.keyId(), "model", r.model());
            if (q.filters().entrySet().stream().anyMatch(f -> !f.getValue().isEmpty()
                    && !f.getValue().contains(dims.get(f.getKey())))) continue;
            int bucket = (int) ((r.createdAtMillis() - q.startMs()) / q.widthMs());
            List<String> groups = q.groupBy().stream().map(dims::get).toList();
            String key = "%05d|%s".formatted(bucket, String.join("|", groups));
            UsageQueries.Sum s = out.getOrDefault(key, new UsageQueries.Sum(bucket, groups, 0, 0, 0, 0));
            out.put(key, new UsageQueries.Sum(bucket, groups, s.inputTokens() + r.promptTokens(),
                    s.outputTokens() + r.completionTokens(), s.requests() + 1, s.costNanos() + r.costNanos()));
        }
        return List.copyOf(out.values());
    }

    private static List<UsageQueries.Query> queries() {
        return List.of(
                new UsageQueries.Query(START, DAY, START + 3 * DAY, List.of(), Map.of(), List.of()),
                new UsageQueries.Query(START, DAY, START + 3 * DAY, List.of("organization_id", "project_id"), Map.of(),
                        List.of()),
                new UsageQueries.Query(START, 3_600_000L, START + DAY, List.of("model"), Map.of(),
                        List.of("/v1/chat/completions")),
                new UsageQueries.Query(START, DAY, START + 3 * DAY, List.of("project_id"),
                        Map.of("organization_id", List.of("org_b")), List.of()),
                new UsageQueries.Query(START, DAY, START + 3 * DAY, List.of("organization_id", "model"),
                        Map.of("organization_id", List.of("org_a", "org_c"), "model", List.of("m2")), List.of()),
                new UsageQueries.Query(START, DAY, START + 3 * DAY, List.of("api_key_id"),
                        Map.of("project_id", List.of("org_c_p2", "org_a_p1")), List.of()),
                new UsageQueries.Query(START + DAY, DAY, START + DAY + 1, List.of("organization_id"), Map.of(),
                        List.of()),
                new UsageQueries.Query(START - 10 * DAY, DAY, START - 9 * DAY, List.of(), Map.of(), List.of()));
    }

    @BothBackends
    void timeRangeSumsAreTheRowsInTheRangeOfEveryOrganizationAtTheEdgesToo(Backend backend) {
        try (Database db = open(backend)) {
            List<LedgerRow> rows = rows();
            new LedgerStore(db).insert(rows);
            UsageQueries usage = new UsageQueries(db);
            for (UsageQueries.Query q : queries()) {
                assertThat(usage.sums(q)).as(q.toString()).isEqualTo(expected(rows, q));
            }
            assertThat(expected(rows, queries().getFirst()).stream().mapToLong(UsageQueries.Sum::requests).sum())
                    .isGreaterThan(100); // the check is not vacuous
        }
    }

    @BothBackends
    void anEmptyLedgerSumsToNothing(Backend backend) {
        try (Database db = open(backend)) {
            for (UsageQueries.Query q : queries()) assertThat(new UsageQueries(db).sums(q)).as(q.toString()).isEmpty();
        }
    }

    /** The query plan of every query: each reads usage_ledger through an index range, none scans the table. */
    @Test
    void sqliteReadsATimeRangeThroughTheOrganizationIndexAndNeverScansTheLedger() {
        try (Database db = open(Backend.SQLITE)) {
            new LedgerStore(db).insert(rows());
            UsageQueries usage = new UsageQueries(db);
            db.withConnection(c -> {
                assertThat(indexes(c)).contains("usage_ledger_by_org_time", "usage_ledger_by_project_time")
                        .doesNotContain("usage_ledger_by_time");
                for (UsageQueries.Query q : queries()) {
                    List<String> plan;
                    try (PreparedStatement ps = usage.prepare(c, "EXPLAIN QUERY PLAN ", q)) {
                        plan = plan(ps);
                    }
                    assertThat(plan).as(q.toString()).noneMatch(line -> line.matches("SCAN usage_ledger\\b.*"))
                            .anyMatch(line -> line.matches("SEARCH usage_ledger USING (COVERING )?INDEX "
                                    + "usage_ledger_by_(org|project)_time \\((org_id|project_id)=\\? AND created_at>\\? "
                                    + "AND created_at<\\?\\)"));
                    if (q.filters().isEmpty()) {
                        assertThat(plan).as(q.toString()).anyMatch(line -> line.contains("usage_ledger_by_org_time"));
                    }
                }
                return null;
            });
        }
    }

    /** A database made before V6 (with its rows) migrates, keeps its rows and their sums; on SQLite it loses the time index. */
    @BothBackends
    void aLedgerMadeBeforeV6MigratesAndKeepsItsRows(Backend backend) throws Exception {
        StorageSettings s = settings(backend);
        String user = backend == Backend.SQLITE ? null : Backend.PG_USER;
        java.nio.file.Files.createDirectories(s.dataDir() == null ? tmp : s.dataDir());
        var flyway = Flyway.configure(Database.class.getClassLoader()).dataSource(s.jdbcUrl(), user, Backend.PG_PASSWORD)
                .locations("classpath:db/migration/" + (backend == Backend.SQLITE ? "sqlite" : "postgresql"))
                .target("5");
        if (s.schema() != null) flyway = flyway.schemas(s.schema()).defaultSchema(s.schema()).createSchemas(true);
        flyway.load().migrate(); // the schema as a gateway before V6 left it
        List<LedgerRow> rows = rows();
        try (Connection c = DriverManager.getConnection(s.jdbcUrl(), user, Backend.PG_PASSWORD)) {
            if (s.schema() != null) c.setSchema(s.schema());
            assertThat(indexes(c, backend)).contains("usage_ledger_by_time");
        }
        try (Database v5 = Database.open(s)) {
            assertThat(v5.migrationsApplied()).isEqualTo(1);
            new LedgerStore(v5).insert(rows.subList(0, 100));
        }
        try (Database db = Database.open(s)) {
            assertThat(db.migrationsApplied()).isZero();
            new LedgerStore(db).insert(rows);
            db.withConnection(c -> {
                List<String> indexes = indexes(c, backend);
                assertThat(indexes).contains("usage_ledger_by_org_time", "usage_ledger_by_project_time");
                if (backend == Backend.SQLITE) assertThat(indexes).doesNotContain("usage_ledger_by_time");
                else assertThat(indexes).contains("usage_ledger_by_time"); // PostgreSQL keeps it (its V6 says why)
                return null;
            });
            UsageQueries.Query q = queries().get(1);
            assertThat(new UsageQueries(db).sums(q)).isEqualTo(expected(rows, q));
        }
    }

    private static List<String> indexes(Connection c) throws java.sql.SQLException {
        return indexes(c, Backend.SQLITE);
    }

    private static List<String> indexes(Connection c, Backend backend) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getIndexInfo(null, backend == Backend.SQLITE ? null : c.getSchema(),
                "usage_ledger", false, false)) {
            while (rs.next()) if (rs.getString("INDEX_NAME") != null) out.add(rs.getString("INDEX_NAME"));
        }
        return out;
    }

    /** The detail column of SQLite's EXPLAIN QUERY PLAN, one line per step. */
    private static List<String> plan(PreparedStatement ps) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(rs.getString("detail"));
        }
        return out;
    }
}
