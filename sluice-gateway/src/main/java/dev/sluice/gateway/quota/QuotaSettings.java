package dev.sluice.gateway.quota;

import dev.sluice.gateway.limits.LimitScope;
import dev.sluice.gateway.store.Database;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The {@code budgets} and {@code credit_grants} tables. Blocking JDBC: call it from a worker thread.
 */
public final class QuotaSettings {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Database db;
    private final Clock clock;

    public QuotaSettings(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Map<Owner, Long> budgets() {
        return db.withConnection(c -> {
            Map<Owner, Long> out = new HashMap<>();
            try (PreparedStatement ps = db.prepare(c, "SELECT scope, owner_id, monthly_budget_nanos FROM budgets "
                    + "WHERE monthly_budget_nanos IS NOT NULL"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(new Owner(LimitScope.of(rs.getString(1)), rs.getString(2)), rs.getLong(3));
            }
            return out;
        });
    }

    /** Sets the owner's monthly budget; null removes it (the sluice.yaml default applies again). */
    public void setBudget(Owner owner, Long nanos) {
        db.withConnection(c -> {
            if (nanos == null) {
                try (PreparedStatement ps = db.prepare(c, "DELETE FROM budgets WHERE scope = ? AND owner_id = ?")) {
                    ps.setString(1, owner.scope().value());
                    ps.setString(2, owner.id());
                    return ps.executeUpdate();
                }
            }
            String sql = "INSERT INTO budgets (scope, owner_id, monthly_budget_nanos, updated_at) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (scope, owner_id) DO UPDATE SET monthly_budget_nanos = excluded.monthly_budget_nanos, "
                    + "updated_at = excluded.updated_at";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, owner.scope().value());
                ps.setString(2, owner.id());
                ps.setLong(3, nanos);
                ps.setLong(4, clock.millis());
                return ps.executeUpdate();
            }
        });
    }

    /** The sum of each owner's credit grants (owners without grants are absent). */
    public Map<Owner, Long> creditTotals() {
        return db.withConnection(c -> {
            Map<Owner, Long> out = new HashMap<>();
            try (PreparedStatement ps = db.prepare(c, "SELECT scope, owner_id, SUM(amount_nanos) FROM credit_grants "
                    + "GROUP BY scope, owner_id"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(new Owner(LimitScope.of(rs.getString(1)), rs.getString(2)), rs.getLong(3));
            }
            return out;
        });
    }

    public CreditGrant grant(Owner owner, long amountNanos, String note) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        CreditGrant g = new CreditGrant("credit_" + HexFormat.of().formatHex(b), owner, amountNanos, note,
                Instant.ofEpochMilli(clock.millis()));
        db.withConnection(c -> {
            String sql = "INSERT INTO credit_grants (id, scope, owner_id, amount_nanos, note, created_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, g.id());
                ps.setString(2, owner.scope().value());
                ps.setString(3, owner.id());
                ps.setLong(4, amountNanos);
                ps.setString(5, note);
                ps.setLong(6, g.createdAt().toEpochMilli());
                return ps.executeUpdate();
            }
        });
        return g;
    }

    /** The owner's grants, oldest first. */
    public List<CreditGrant> grants(Owner owner) {
        return db.withConnection(c -> {
            List<CreditGrant> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepare(c, "SELECT id, amount_nanos, note, created_at FROM credit_grants "
                    + "WHERE scope = ? AND owner_id = ? ORDER BY created_at, id")) {
                ps.setString(1, owner.scope().value());
                ps.setString(2, owner.id());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new CreditGrant(rs.getString(1), owner, rs.getLong(2), rs.getString(3),
                                Instant.ofEpochMilli(rs.getLong(4))));
                    }
                }
            }
            return out;
        });
    }
}
