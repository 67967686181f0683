package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Organizations and their memberships: who may own keys in which organization. */
public final class Organizations {

    private final Database db;
    private final Clock clock;

    public Organizations(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Organization create(String name) {
        requireName(name);
        Organization org = new Organization(Ids.next(Ids.ORGANIZATION), name, Rows.now(clock));
        db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)")) {
                ps.setString(1, org.id());
                ps.setString(2, org.name());
                Rows.setInstant(ps, 3, org.createdAt());
                return ps.executeUpdate();
            }
        });
        return org;
    }

    public Optional<Organization> find(String orgId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT id, name, created_at FROM organizations WHERE id = ?")) {
                ps.setString(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** All organizations, oldest first. */
    public List<Organization> list() {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT id, name, created_at FROM organizations ORDER BY created_at, id");
                 ResultSet rs = ps.executeQuery()) {
                List<Organization> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        });
    }

    /** Renames an organization; false if it does not exist. */
    public boolean rename(String orgId, String name) {
        requireName(name);
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "UPDATE organizations SET name = ? WHERE id = ?")) {
                ps.setString(1, name);
                ps.setString(2, orgId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** True when no organization exists yet (a fresh installation). */
    public boolean isEmpty() {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT 1 FROM organizations LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                return !rs.next();
            }
        });
    }

    /** Adds a member; {@link StoreException.Reason#CONFLICT} if already one, MISSING_REFERENCE for unknown ids. */
    public Membership addMember(String orgId, String userId, Membership.Role role) {
        Membership m = new Membership(orgId, userId, role, Rows.now(clock));
        db.withConnection(c -> {
            String sql = "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, orgId);
                ps.setString(2, userId);
                ps.setString(3, role.value());
                Rows.setInstant(ps, 4, m.createdAt());
                return ps.executeUpdate();
            }
        });
        return m;
    }

    /** Changes a member's role; false if the user is not a member. */
    public boolean setRole(String orgId, String userId, Membership.Role role) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?")) {
                ps.setString(1, role.value());
                ps.setString(2, orgId);
                ps.setString(3, userId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Removes a member; their keys in this organization stop authenticating ({@code no_organization}). */
    public boolean removeMember(String orgId, String userId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "DELETE FROM memberships WHERE org_id = ? AND user_id = ?")) {
                ps.setString(1, orgId);
                ps.setString(2, userId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    public Optional<Membership> membership(String orgId, String userId) {
        return db.withConnection(c -> {
            String sql = "SELECT org_id, user_id, role, created_at FROM memberships WHERE org_id = ? AND user_id = ?";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, orgId);
                ps.setString(2, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(readMembership(rs)) : Optional.empty();
                }
            }
        });
    }

    /** An organization's members, earliest first. */
    public List<Membership> members(String orgId) {
        return db.withConnection(c -> {
            String sql = "SELECT org_id, user_id, role, created_at FROM memberships WHERE org_id = ? ORDER BY created_at, user_id";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<Membership> out = new ArrayList<>();
                    while (rs.next()) out.add(readMembership(rs));
                    return out;
                }
            }
        });
    }

    private static Organization read(ResultSet rs) throws SQLException {
        return new Organization(rs.getString("id"), rs.getString("name"), Rows.instant(rs, "created_at"));
    }

    private static Membership readMembership(ResultSet rs) throws SQLException {
        Instant at = Rows.instant(rs, "created_at");
        return new Membership(rs.getString("org_id"), rs.getString("user_id"), Membership.Role.of(rs.getString("role")), at);
    }

    static void requireName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
    }
}
