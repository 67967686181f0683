package dev.sluice.gateway.limits;

import dev.sluice.gateway.store.Database;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code rate_limits} table: per-organization and per-project overrides of the default limits, one row per
 * owner and model family, one nullable column per limit. Blocking JDBC: call it from a worker thread.
 */
public final class RateLimitOverrides {
    /** The column of each limit (the admin API field of the same name). */
    public static final String BATCH_COLUMN = "batch_1_day_max_input_tokens";

    private final Database db;
    private final Clock clock;

    public RateLimitOverrides(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Map<OwnerFamily, RateLimitOverride> all() {
        return db.withConnection(c -> {
            String sql = "SELECT scope, owner_id, family, max_requests_per_1_minute, max_requests_per_1_day, "
                    + "max_tokens_per_1_minute, max_tokens_per_1_day, max_images_per_1_minute, "
                    + BATCH_COLUMN + " FROM rate_limits";
            Map<OwnerFamily, RateLimitOverride> out = new HashMap<>();
            try (PreparedStatement ps = db.prepare(c, sql); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    OwnerFamily k = new OwnerFamily(LimitScope.of(rs.getString(1)), rs.getString(2), rs.getString(3));
                    LimitSet v = new LimitSet(nullableLong(rs, 4), nullableLong(rs, 5), nullableLong(rs, 6),
                            nullableLong(rs, 7), nullableLong(rs, 8));
                    out.put(k, new RateLimitOverride(v, nullableLong(rs, 9)));
                }
            }
            return out;
        });
    }

    /**
     * Sets the given columns (a null value clears the override, so the default applies again), one upsert per
     * column inside one transaction: concurrent edits of different fields never undo each other.
     */
    public void set(OwnerFamily key, Map<String, Long> columns) {
        long now = clock.millis();
        db.transaction(c -> {
            for (Map.Entry<String, Long> e : columns.entrySet()) {
                String col = column(e.getKey());
                String sql = "INSERT INTO rate_limits (scope, owner_id, family, " + col + ", updated_at) "
                        + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, owner_id, family) DO UPDATE SET " + col
                        + " = excluded." + col + ", updated_at = excluded.updated_at";
                try (PreparedStatement ps = db.prepare(c, sql)) {
                    ps.setString(1, key.scope().value());
                    ps.setString(2, key.ownerId());
                    ps.setString(3, key.family());
                    if (e.getValue() == null) ps.setNull(4, Types.BIGINT);
                    else ps.setLong(4, e.getValue());
                    ps.setLong(5, now);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Only known column names reach SQL. */
    private static String column(String name) {
        if (BATCH_COLUMN.equals(name)) return name;
        for (LimitKind k : LimitKind.values()) if (k.field().equals(name)) return name;
        throw new IllegalArgumentException("unknown rate limit column " + name);
    }

    private static Long nullableLong(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }
}
