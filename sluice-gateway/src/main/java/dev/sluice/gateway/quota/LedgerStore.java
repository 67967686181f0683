package dev.sluice.gateway.quota;

import dev.sluice.gateway.limits.LimitScope;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes ledger rows and the running spend totals in one transaction, and reads the totals back. A row whose
 * request id is already present is ignored (and adds nothing to the totals), so re-delivery never counts twice.
 * Blocking JDBC: the ledger writer's thread calls it.
 *
 * <p>A batch is written in request-id order, in one transaction with its spend sums (computed once). On SQLite the rows
 * go in as JDBC batches of a single-row {@code INSERT … ON CONFLICT (request_id) DO NOTHING} (the driver steps the
 * one compiled statement per row; a multi-row statement measured slower there), {@value #SLICE} rows a slice with a
 * {@link Thread#yield} between slices, whose per-row counts tell which rows were new. On PostgreSQL they go in as
 * multi-row {@code INSERT … VALUES (…), (…)} statements of {@value #CHUNK} rows or fewer (a power of two, so a
 * connection prepares at most eight distinct statements): when the database reports as many new rows as sent — the
 * normal case — the sums are added to {@code spend_totals} in the same transaction; when fewer (a request id it
 * already had: a re-delivered record), that transaction is rolled back and the batch is written again as JDBC
 * batches whose per-row counts tell which rows were new, so only those are added.
 */
public final class LedgerStore {
    /** The most rows one INSERT statement carries (16 parameters a row; both databases accept 2,048 parameters). */
    static final int CHUNK = 128;
    /** The rows of one SQLite JDBC batch; the writer yields its core between two (a flush can be milliseconds). */
    static final int SLICE = 128;
    private static final String COLUMNS = "INSERT INTO usage_ledger (request_id, created_at, org_id, project_id, "
            + "key_id, model, endpoint, prompt_tokens, completion_tokens, cost_nanos, status, outcome, error_code, "
            + "upstream_request_id, attempts, stream) VALUES ";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String ON_CONFLICT = " ON CONFLICT (request_id) DO NOTHING";
    private static final String INSERT = COLUMNS + ROW + ON_CONFLICT;
    /** {@code INSERT_ROWS[k]}: the statement for {@code 2^k} rows. */
    private static final String[] INSERT_ROWS = new String[Integer.numberOfTrailingZeros(CHUNK) + 1];
    private static final String ADD_TOTAL = "INSERT INTO spend_totals (scope, owner_id, period, cost_nanos) "
            + "VALUES (?, ?, ?, ?) ON CONFLICT (scope, owner_id, period) "
            + "DO UPDATE SET cost_nanos = spend_totals.cost_nanos + excluded.cost_nanos";

    static {
        for (int k = 0; k < INSERT_ROWS.length; k++) {
            StringBuilder sql = new StringBuilder(COLUMNS);
            for (int i = 0; i < 1 << k; i++) sql.append(i == 0 ? "" : ", ").append(ROW);
            INSERT_ROWS[k] = sql.append(ON_CONFLICT).toString();
        }
    }

    /** What a batch did: how many rows were new, and the spend sums of every row of the batch (new or not). */
    public record Written(int inserted, Map<SpendBook.Key, Long> sums) {}

    /** Thrown inside the fast path's transaction to roll it back when a row was already present. */
    private static final class KnownRow extends RuntimeException {
        KnownRow() {
            super(null, null, false, false);
        }
    }

    private static final java.util.Comparator<LedgerRow> BY_ID = java.util.Comparator.comparing(LedgerRow::requestId);

    private final Database db;

    public LedgerStore(Database db) {
        this.db = db;
    }

    public Database database() {
        return db;
    }

    /** Inserts the rows (ignoring known request ids) and adds the inserted ones to the totals; returns how many were new. */
    public int insert(List<LedgerRow> rows) {
        return write(rows).inserted();
    }

    /**
     * Inserts the rows (ignoring known request ids) and adds the inserted ones to the totals, in one transaction;
     * returns how many were new and the sums of all of them (what the spend book counts as committed).
     */
    public Written write(List<LedgerRow> batch) {
        // In request-id order: SQLite inserts into the primary-key index with better locality, and two gateways
        // inserting the same ids into PostgreSQL's unique index wait on each other in the same order.
        List<LedgerRow> rows = new ArrayList<>(batch);
        rows.sort(BY_ID);
        Map<SpendBook.Key, Long> all = sums(rows);
        if (rows.isEmpty()) return new Written(0, all);
        if (db.kind() == StorageSettings.Kind.SQLITE) return new Written(insertOneByOne(rows, all), all);
        try {
            int inserted = db.transaction(c -> {
                if (insertRows(c, rows) != rows.size()) throw new KnownRow();
                addTotals(c, all);
                return rows.size();
            });
            return new Written(inserted, all);
        } catch (KnownRow e) {
            return new Written(insertOneByOne(rows, all), all);
        }
    }

    /** The multi-row statements; returns how many rows the database reported new. */
    private int insertRows(Connection c, List<LedgerRow> rows) throws SQLException {
        int inserted = 0;
        int at = 0;
        while (at < rows.size()) {
            int k = 31 - Integer.numberOfLeadingZeros(Math.min(CHUNK, rows.size() - at)); // 2^k rows
            int n = 1 << k;
            try (PreparedStatement ps = db.prepare(c, INSERT_ROWS[k])) {
                int p = 1;
                for (int i = at; i < at + n; i++) p = bind(ps, p, rows.get(i));
                inserted += ps.executeUpdate();
            }
            at += n;
        }
        return inserted;
    }

    /**
     * One JDBC batch whose per-row counts tell which rows were new; only those are added to the totals
     * ({@code sums}, the sums of all rows, when all were new).
     */
    private int insertOneByOne(List<LedgerRow> rows, Map<SpendBook.Key, Long> sums) {
        return db.transaction(c -> {
            int[] counts = new int[rows.size()];
            try (PreparedStatement ps = db.prepare(c, INSERT)) {
                for (int from = 0; from < rows.size(); from += SLICE) {
                    int to = Math.min(rows.size(), from + SLICE);
                    for (int i = from; i < to; i++) {
                        bind(ps, 1, rows.get(i));
                        ps.addBatch();
                    }
                    System.arraycopy(ps.executeBatch(), 0, counts, from, to - from);
                    // A flush of thousands of rows is milliseconds of CPU: between slices the writer lets a thread
                    // waiting for this core (an event loop, on a busy machine) run, instead of holding it throughout.
                    if (to < rows.size()) Thread.yield();
                }
            }
            List<LedgerRow> fresh = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                if (counts[i] != 0) fresh.add(rows.get(i)); // 0: a known request id, ignored, adds nothing
            }
            addTotals(c, fresh.size() == rows.size() ? sums : sums(fresh));
            return fresh.size();
        });
    }

    private static int bind(PreparedStatement ps, int p, LedgerRow r) throws SQLException {
        ps.setString(p, r.requestId());
        ps.setLong(p + 1, r.createdAtMillis());
        ps.setString(p + 2, r.orgId());
        ps.setString(p + 3, r.projectId());
        setNullable(ps, p + 4, r.keyId());
        ps.setString(p + 5, r.model());
        ps.setString(p + 6, r.endpoint());
        ps.setLong(p + 7, r.promptTokens());
        ps.setLong(p + 8, r.completionTokens());
        ps.setLong(p + 9, r.costNanos());
        ps.setInt(p + 10, r.status());
        ps.setString(p + 11, r.outcome());
        setNullable(ps, p + 12, r.errorCode());
        setNullable(ps, p + 13, r.upstreamRequestId());
        ps.setInt(p + 14, r.attempts());
        ps.setInt(p + 15, r.stream() ? 1 : 0);
        return p + 16;
    }

    /** Adds the sums to {@code spend_totals}, in key order so two gateways lock the same rows in the same order. */
    private void addTotals(Connection c, Map<SpendBook.Key, Long> sums) throws SQLException {
        if (sums.isEmpty()) return;
        List<Map.Entry<SpendBook.Key, Long>> sorted = new ArrayList<>(sums.entrySet());
        sorted.sort(Map.Entry.comparingByKey(LedgerStore::compare));
        try (PreparedStatement ps = db.prepare(c, ADD_TOTAL)) {
            for (Map.Entry<SpendBook.Key, Long> e : sorted) {
                ps.setString(1, e.getKey().owner().scope().value());
                ps.setString(2, e.getKey().owner().id());
                ps.setString(3, e.getKey().period());
                ps.setLong(4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * The spend sums of a set of rows, per owner and period (lifetime and month). Summed first per month and owner id
     * (a string-keyed map; a batch has few months and owners), then made into keys once per owner — not four keys and
     * two owners a row, which the profile showed as a quarter of the writer's Java time.
     */
    public static Map<SpendBook.Key, Long> sums(List<LedgerRow> rows) {
        Map<String, Map<String, long[]>> orgs = new HashMap<>(2);
        Map<String, Map<String, long[]>> projects = new HashMap<>(2);
        Months months = new Months();
        String month = null;
        Map<String, long[]> org = null, project = null;
        for (LedgerRow r : rows) {
            long cost = r.costNanos();
            if (cost == 0) continue;
            String m = months.of(r.createdAtMillis());
            if (!m.equals(month)) {
                month = m;
                org = orgs.computeIfAbsent(m, k -> new HashMap<>());
                project = projects.computeIfAbsent(m, k -> new HashMap<>());
            }
            org.computeIfAbsent(r.orgId(), k -> new long[1])[0] += cost;
            project.computeIfAbsent(r.projectId(), k -> new long[1])[0] += cost;
        }
        Map<SpendBook.Key, Long> sums = new HashMap<>();
        addSums(sums, orgs, Owner::org);
        addSums(sums, projects, Owner::project);
        return sums;
    }

    private static void addSums(Map<SpendBook.Key, Long> sums, Map<String, Map<String, long[]>> byMonth,
                                java.util.function.Function<String, Owner> owner) {
        for (Map.Entry<String, Map<String, long[]>> m : byMonth.entrySet()) {
            for (Map.Entry<String, long[]> e : m.getValue().entrySet()) {
                Owner o = owner.apply(e.getKey());
                long v = e.getValue()[0];
                sums.merge(new SpendBook.Key(o, SpendBook.ALL), v, Long::sum);
                sums.merge(new SpendBook.Key(o, m.getKey()), v, Long::sum);
            }
        }
    }

    /** {@link SpendBook#month} of a run of timestamps, recomputed only when one falls outside the last month seen. */
    private static final class Months {
        private long from = 1, until = 0;
        private String month;

        String of(long epochMillis) {
            if (epochMillis < from || epochMillis >= until) {
                month = SpendBook.month(epochMillis);
                java.time.YearMonth ym = java.time.YearMonth.parse(month);
                from = ym.atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
                until = ym.plusMonths(1).atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
            }
            return month;
        }
    }

    /** Lifetime and {@code month} totals of every owner. */
    public Map<SpendBook.Key, Long> totals(String month) {
        return db.withConnection(c -> {
            Map<SpendBook.Key, Long> out = new HashMap<>();
            try (PreparedStatement ps = db.prepare(c, "SELECT scope, owner_id, period, cost_nanos FROM spend_totals "
                    + "WHERE period = ? OR period = ?")) {
                ps.setString(1, SpendBook.ALL);
                ps.setString(2, month);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(new SpendBook.Key(new Owner(LimitScope.of(rs.getString(1)), rs.getString(2)),
                                rs.getString(3)), rs.getLong(4));
                    }
                }
            }
            return out;
        });
    }

    private static int compare(SpendBook.Key a, SpendBook.Key b) {
        int c = a.owner().scope().compareTo(b.owner().scope());
        if (c == 0) c = a.owner().id().compareTo(b.owner().id());
        return c != 0 ? c : a.period().compareTo(b.period());
    }

    private static void setNullable(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) ps.setNull(i, Types.VARCHAR);
        else ps.setString(i, v);
    }
}
