package dev.sluice.gateway.quota;

import dev.sluice.gateway.store.Database;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sums of the usage ledger per time bucket and chosen dimensions, for the usage and costs endpoints. Only requests
 * that reached a model count (refusals by limits or quota cost nothing and are not model requests). Blocking JDBC.
 */
public final class UsageQueries {
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
        StringBuilder cols = new StringBuilder();
        for (String g : q.groupBy()) cols.append(", ").append(column(g));
        StringBuilder sql = new StringBuilder("SELECT (created_at - ?) / ? AS bucket").append(cols)
                .append(", SUM(prompt_tokens), SUM(completion_tokens), COUNT(*), SUM(cost_nanos) FROM usage_ledger")
                .append(" WHERE created_at >= ? AND created_at < ? AND attempts > 0");
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
        return db.withConnection(c -> {
            List<Sum> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepare(c, sql.toString())) {
                int i = 1;
                ps.setLong(i++, q.startMs());
                ps.setLong(i++, q.widthMs());
                ps.setLong(i++, q.startMs());
                ps.setLong(i++, q.endMs());
                for (String p : params) ps.setString(i++, p);
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

    private static String column(String dimension) {
        String c = DIMENSIONS.get(dimension);
        if (c == null) throw new IllegalArgumentException("unknown dimension " + dimension);
        return c;
    }
}
