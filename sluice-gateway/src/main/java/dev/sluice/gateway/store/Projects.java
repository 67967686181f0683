package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Projects within an organization; archived rather than deleted, so usage and keys keep their owner. */
public final class Projects {

    private static final String COLUMNS = "id, org_id, name, status, created_at, archived_at";

    private final Database db;
    private final Clock clock;

    public Projects(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Creates an active project; {@link StoreException.Reason#MISSING_REFERENCE} for an unknown organization. */
    public Project create(String orgId, String name) {
        Organizations.requireName(name);
        Project p = new Project(Ids.next(Ids.PROJECT), orgId, name, Project.Status.ACTIVE, Rows.now(clock), null);
        db.withConnection(c -> {
            String sql = "INSERT INTO projects (id, org_id, name, status, created_at) VALUES (?, ?, ?, ?, ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, p.id());
                ps.setString(2, p.orgId());
                ps.setString(3, p.name());
                ps.setString(4, p.status().value());
                Rows.setInstant(ps, 5, p.createdAt());
                return ps.executeUpdate();
            }
        });
        return p;
    }

    public Optional<Project> find(String projectId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT " + COLUMNS + " FROM projects WHERE id = ?")) {
                ps.setString(1, projectId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** An organization's projects, oldest first, archived ones included. */
    public List<Project> listByOrg(String orgId) {
        return db.withConnection(c -> {
            String sql = "SELECT " + COLUMNS + " FROM projects WHERE org_id = ? ORDER BY created_at, id";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<Project> out = new ArrayList<>();
                    while (rs.next()) out.add(read(rs));
                    return out;
                }
            }
        });
    }

    /** Renames a project; false if it does not exist. */
    public boolean rename(String projectId, String name) {
        Organizations.requireName(name);
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "UPDATE projects SET name = ? WHERE id = ?")) {
                ps.setString(1, name);
                ps.setString(2, projectId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Archives an active project now; its keys stop authenticating. False if unknown or already archived. */
    public boolean archive(String projectId) {
        Instant now = Rows.now(clock);
        return db.withConnection(c -> {
            String sql = "UPDATE projects SET status = 'archived', archived_at = ? WHERE id = ? AND status = 'active'";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                Rows.setInstant(ps, 1, now);
                ps.setString(2, projectId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static Project read(ResultSet rs) throws SQLException {
        return new Project(rs.getString("id"), rs.getString("org_id"), rs.getString("name"),
                Project.Status.of(rs.getString("status")), Rows.instant(rs, "created_at"), Rows.instant(rs, "archived_at"));
    }
}
