package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;

/** Column conversions shared by the repositories: times are stored as epoch milliseconds. */
final class Rows {
    private Rows() {}

    /** The clock's time at the stored precision, so what a caller holds equals what a later read returns. */
    static Instant now(Clock clock) {
        return Instant.ofEpochMilli(clock.millis());
    }

    static Instant millis(Instant t) {
        return t == null ? null : Instant.ofEpochMilli(t.toEpochMilli());
    }

    static void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) ps.setNull(index, Types.BIGINT);
        else ps.setLong(index, t.toEpochMilli());
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    static void setNullableString(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) ps.setNull(index, Types.VARCHAR);
        else ps.setString(index, value);
    }
}
