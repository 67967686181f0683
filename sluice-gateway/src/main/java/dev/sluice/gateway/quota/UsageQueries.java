package dev.sluice.gateway.quota;

import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sums of the usage ledger per time bucket and chosen dimensions, for the usage and costs endpoints. Only requests
 * that reached a model count (refusals by limits or quota cost nothing and are not model requests). Blocking JDBC.
 *
 * <p>On SQLite a time range is read through the {@code (org_id, created_at)} index, one range per organization: there
 * is no index on {@code created_at} alone (SQLite's V6 dropped it: the writer paid for it on every row, and the few
 * reads of a range can do without it). Without an organization filter, {@link #LEDGER_ORGS} lists the organizations
 * that have rows — one index seek each (a loose index scan) — and {@link #IN_LEDGER_ORGS} restricts the query to them,
 * which SQLite's planner turns into one index range per organization instead of a scan of the table. PostgreSQL keeps
 * {@code usage_ledger_by_time} (its planner hash-joins such a list with a scan of the table instead) and its queries
 * are as they were.
 */
public final class UsageQueries {
    /** The organizations that have ledger rows, as {@code ledger_orgs(id)}: one seek of the org index per organization. */
    public static final String LEDGER_ORGS = "WITH RECURSIVE ledger_orgs(id) AS (SELECT MIN(org_id) FROM usage_ledger "
            + "UNION ALL SELECT (SELECT MIN(org_id) FROM usage_ledger WHERE org_id > ledger_orgs.id) FROM ledger_orgs "
            + "WHERE ledger_orgs.id IS NOT NULL) ";
    /** The condition that, with a {@code created_at} range, reads that range organization by organization. */
    public static final String IN_LEDGER_ORGS = "org_id IN (SELECT id FROM ledger_orgs)";

    /** What goes before {@code SELECT} to read a time range of every organization on {@code kind}. */
    public static String rangePrefix(StorageSettings.Kind kind) {
        return kind == StorageSettings.Kind.SQLITE ? LEDGER_ORGS : "";
    }

    /** What goes first in {@code WHERE} (before the {@code created_at} range) to read every organization on {@code kind}. */
    public static String rangeCondition(StorageSettings.Kind kind) {
        return kind == StorageSettings.Kind.SQLITE ? IN_LEDGER_ORGS + " AND " : "";
    }

    /** Group-by names of the API and their columns; only these reach SQL. */
    public static final Map<String, String> DIMENSIONS = Map.of(
            "organization_id", "org_id",
            "project_id", "project_id",
            "api_key_id", "key_id",
            "model", "model");

    private final Database db;

    public UsageQueries(Database db) {
        this.db = db;
    }

    /**
     * @param startMs   first bucket's start (inclusive)
     * @param widthMs   bucket width
     * @param endMs     end of the range (exclusive)
     * @param groupBy   API dimension names (keys of {@link #DIMENSIONS})
     * @param filters   API dimension name to allowed values (empty lists are ignored)
     * @param endpoints routes to include (empty: all)
     */
    public record Query(long startMs, long widthMs, long endMs, List<String> groupBy, Map<String, List<String>> filters,
                        List<String> endpoints) {}

    /** One bucket-and-group sum; {@code groups} holds the value of each group-by dimension, in query order. */
    public record Sum(int bucket, List<String> groups, long inputTokens, long outputTokens, long requests,
                      long costNanos) {}

    public List<Sum> sums(Query q) {
        return db.withConnection(c -> {
            List<Sum> out = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, "", q)) {
                try (ResultSet rs = ps.executeQuery()) {
                    int n = q.groupBy().size();
                    while (rs.next()) {
                        List<String> groups = new ArrayList<>(n);
                        for (int g = 0; g < n; g++) groups.add(rs.getString(2 + g));
                        out.add(new Sum((int) rs.getLong(1), groups, rs.getLong(2 + n), rs.getLong(3 + n),
                                rs.getLong(4 + n), rs.getLong(5 + n)));
                    }
                }
            }
            return out;
        });
    }

    /** The statement of {@code q} after {@code prefix}, its parameters bound (tests prefix {@code EXPLAIN QUERY PLAN}). */
    PreparedStatement prepare(Connection c, String prefix, Query q) throws SQLException {
        StringBuilder cols = new StringBuilder();
        for (String g : q.groupBy()) cols.append(", ").append(column(g));
        List<String> orgs = q.filters().getOrDefault("organization_id", List.of());
        StringBuilder sql = new StringBuilder(prefix).append(orgs.isEmpty() ? rangePrefix(db.kind()) : "")
                .append("SELECT (created_at - ?) / ? AS bucket").append(cols)
                .append(", SUM(prompt_tokens), SUM(completion_tokens), COUNT(*), SUM(cost_nanos) FROM usage_ledger")
                .append(" WHERE ").append(orgs.isEmpty() ? rangeCondition(db.kind()) : "")
                .append("created_at >= ? AND created_at < ? AND attempts > 0");
        List<String> params = new ArrayList<>();
        if (!q.endpoints().isEmpty()) {
            sql.append(" AND endpoint IN (").append("?, ".repeat(q.endpoints().size() - 1)).append("?)");
            params.addAll(q.endpoints());
        }
        for (Map.Entry<String, List<String>> f : q.filters().entrySet()) {
            if (f.getValue().isEmpty()) continue;
            sql.append(" AND ").append(column(f.getKey())).append(" IN (")
                    .append("?, ".repeat(f.getValue().size() - 1)).append("?)");
            params.addAll(f.getValue());
        }
        sql.append(" GROUP BY bucket").append(cols).append(" ORDER BY bucket").append(cols);
        PreparedStatement ps = db.prepare(c, sql.toString());
        try {
            int i = 1;
            ps.setLong(i++, q.startMs());
            ps.setLong(i++, q.widthMs());
            ps.setLong(i++, q.startMs());
            ps.setLong(i++, q.endMs());
            for (String p : params) ps.setString(i++, p);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private static String column(String dimension) {
        String c = DIMENSIONS.get(dimension);
        if (c == null) throw new IllegalArgumentException("unknown dimension " + dimension);
        return c;
    }
}
