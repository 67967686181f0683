package dev.sluice.bench.ledger;

import dev.sluice.gateway.quota.LedgerRow;
import dev.sluice.gateway.quota.Owner;
import dev.sluice.gateway.quota.SpendBook;

import dev.sluice.gateway.limits.LimitScope;
import dev.sluice.gateway.store.Database;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A verbatim copy of {@code dev.sluice.gateway.quota.LedgerStore} as it was before the ledger work of issue 13 (main at
 * aa190bb), kept so {@code ./sluice bench ledger} measures the old writer beside the new one in the same run (only
 * the class names and the thread name differ).
 *
 * <p>Writes ledger rows and the running spend totals in one transaction, and reads the totals back. A row whose
 * request id is already present is ignored (and adds nothing to the totals), so re-delivery never counts twice.
 * Blocking JDBC: the ledger writer's thread calls it.
 */
public final class BeforeLedgerStore {
    private static final String INSERT = "INSERT INTO usage_ledger (request_id, created_at, org_id, project_id, "
            + "key_id, model, endpoint, prompt_tokens, completion_tokens, cost_nanos, status, outcome, error_code, "
            + "upstream_request_id, attempts, stream) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (request_id) DO NOTHING";
    private static final String ADD_TOTAL = "INSERT INTO spend_totals (scope, owner_id, period, cost_nanos) "
            + "VALUES (?, ?, ?, ?) ON CONFLICT (scope, owner_id, period) "
            + "DO UPDATE SET cost_nanos = spend_totals.cost_nanos + excluded.cost_nanos";

    private final Database db;

    public BeforeLedgerStore(Database db) {
        this.db = db;
    }

    public Database database() {
        return db;
    }

    /** Inserts the rows (ignoring known request ids) and adds the inserted ones to the totals; returns how many were new. */
    public int insert(List<LedgerRow> rows) {
        return db.transaction(c -> {
            int[] counts;
            try (PreparedStatement ps = db.prepare(c, INSERT)) {
                for (LedgerRow r : rows) {
                    ps.setString(1, r.requestId());
                    ps.setLong(2, r.createdAtMillis());
                    ps.setString(3, r.orgId());
                    ps.setString(4, r.projectId());
                    setNullable(ps, 5, r.keyId());
                    ps.setString(6, r.model());
                    ps.setString(7, r.endpoint());
                    ps.setLong(8, r.promptTokens());
                    ps.setLong(9, r.completionTokens());
                    ps.setLong(10, r.costNanos());
                    ps.setInt(11, r.status());
                    ps.setString(12, r.outcome());
                    setNullable(ps, 13, r.errorCode());
                    setNullable(ps, 14, r.upstreamRequestId());
                    ps.setInt(15, r.attempts());
                    ps.setInt(16, r.stream() ? 1 : 0);
                    ps.addBatch();
                }
                counts = ps.executeBatch();
            }
            // Sorted, so two gateways adding to the same totals lock their rows in the same order.
            Map<SpendBook.Key, Long> sums = new TreeMap<>(BeforeLedgerStore::compare);
            int inserted = 0;
            for (int i = 0; i < rows.size(); i++) {
                if (counts[i] == 0) continue; // a known request id: ignored, adds nothing
                inserted++;
                LedgerRow r = rows.get(i);
                if (r.costNanos() == 0) continue;
                addTo(sums, r);
            }
            if (!sums.isEmpty()) {
                try (PreparedStatement ps = db.prepare(c, ADD_TOTAL)) {
                    for (Map.Entry<SpendBook.Key, Long> e : sums.entrySet()) {
                        ps.setString(1, e.getKey().owner().scope().value());
                        ps.setString(2, e.getKey().owner().id());
                        ps.setString(3, e.getKey().period());
                        ps.setLong(4, e.getValue());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return inserted;
        });
    }

    /** The spend sums of a set of rows, per owner and period (lifetime and month). */
    public static Map<SpendBook.Key, Long> sums(List<LedgerRow> rows) {
        Map<SpendBook.Key, Long> sums = new HashMap<>();
        for (LedgerRow r : rows) if (r.costNanos() != 0) addTo(sums, r);
        return sums;
    }

    private static void addTo(Map<SpendBook.Key, Long> sums, LedgerRow r) {
        String month = SpendBook.month(r.createdAtMillis());
        for (Owner o : new Owner[] {Owner.org(r.orgId()), Owner.project(r.projectId())}) {
            sums.merge(new SpendBook.Key(o, SpendBook.ALL), r.costNanos(), Long::sum);
            sums.merge(new SpendBook.Key(o, month), r.costNanos(), Long::sum);
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

    private static void setNullable(PreparedStatement ps, int i, String v) throws java.sql.SQLException {
        if (v == null) ps.setNull(i, Types.VARCHAR);
        else ps.setString(i, v);
    }
}
