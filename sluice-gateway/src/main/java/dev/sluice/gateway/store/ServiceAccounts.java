package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Service accounts of a project: key holders that are not people. */
public final class ServiceAccounts {

    private static final String COLUMNS = "id, project_id, name, created_at";
    private static final String READ_COLUMNS = COLUMNS + ", deleted_at";

    private final Database db;
    private final Clock clock;

    public ServiceAccounts(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Creates one; {@link StoreException.Reason#MISSING_REFERENCE} for an unknown project. */
    public ServiceAccount create(String projectId, String name) {
        Organizations.requireName(name);
        ServiceAccount sa = new ServiceAccount(Ids.next(Ids.SERVICE_ACCOUNT), projectId, name, Rows.now(clock));
        db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "INSERT INTO service_accounts (" + COLUMNS + ") VALUES (?, ?, ?, ?)")) {
                ps.setString(1, sa.id());
                ps.setString(2, sa.projectId());
                ps.setString(3, sa.name());
                Rows.setInstant(ps, 4, sa.createdAt());
                return ps.executeUpdate();
            }
        });
        return sa;
    }

    public Optional<ServiceAccount> find(String id) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT " + READ_COLUMNS + " FROM service_accounts WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    public List<ServiceAccount> listByProject(String projectId) {
        return db.withConnection(c -> {
            String sql = "SELECT " + READ_COLUMNS + " FROM service_accounts WHERE project_id = ? ORDER BY created_at, id";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, projectId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<ServiceAccount> out = new ArrayList<>();
                    while (rs.next()) out.add(read(rs));
                    return out;
                }
            }
        });
    }

    /**
     * Marks a service account deleted and revokes its keys, in one transaction; false if it does not exist or was
     * deleted already.
     */
    public boolean delete(String id) {
        java.time.Instant now = Rows.now(clock);
        return db.transaction(c -> {
            int n;
            try (PreparedStatement ps = db.prepare(c,
                    "UPDATE service_accounts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")) {
                Rows.setInstant(ps, 1, now);
                ps.setString(2, id);
                n = ps.executeUpdate();
            }
            if (n == 0) return false;
            try (PreparedStatement ps = db.prepare(c,
                    "UPDATE api_keys SET revoked_at = ? WHERE service_account_id = ? AND revoked_at IS NULL")) {
                Rows.setInstant(ps, 1, now);
                ps.setString(2, id);
                ps.executeUpdate();
            }
            return true;
        });
    }

    private static ServiceAccount read(ResultSet rs) throws SQLException {
        return new ServiceAccount(rs.getString("id"), rs.getString("project_id"), rs.getString("name"),
                Rows.instant(rs, "created_at"), Rows.instant(rs, "deleted_at"));
    }
}
