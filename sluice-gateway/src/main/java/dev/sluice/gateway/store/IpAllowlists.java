package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * IP allowlists of organizations and projects, one row per CIDR. A level without rows admits every address; a level
 * with rows admits only addresses inside one of them, and a request must pass both its organization's and its
 * project's list.
 */
public final class IpAllowlists {

    private static final String COLUMNS = "id, org_id, project_id, cidr, created_at";

    private final Database db;
    private final Clock clock;

    public IpAllowlists(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Adds a CIDR to the organization's list ({@code projectId} null) or the project's; CONFLICT when the list already
     * holds it, MISSING_REFERENCE for an unknown organization or project.
     */
    public IpAllowlistEntry add(String orgId, String projectId, String cidr) {
        IpAllowlistEntry e = new IpAllowlistEntry(Ids.next(Ids.IP_ALLOWLIST_ENTRY), orgId, projectId, cidr, Rows.now(clock));
        db.withConnection(c -> {
            String sql = "INSERT INTO ip_allowlist (id, org_id, project_id, scope_id, cidr, created_at) VALUES (?, ?, ?, ?, ?, ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, e.id());
                ps.setString(2, orgId);
                Rows.setNullableString(ps, 3, projectId);
                ps.setString(4, projectId != null ? projectId : orgId);
                ps.setString(5, cidr);
                Rows.setInstant(ps, 6, e.createdAt());
                return ps.executeUpdate();
            }
        });
        return e;
    }

    public Optional<IpAllowlistEntry> find(String entryId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT " + COLUMNS + " FROM ip_allowlist WHERE id = ?")) {
                ps.setString(1, entryId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Removes one entry; false if it does not exist. */
    public boolean remove(String entryId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "DELETE FROM ip_allowlist WHERE id = ?")) {
                ps.setString(1, entryId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** The list of exactly one level (the organization's when {@code projectId} is null), oldest first. */
    public List<IpAllowlistEntry> list(String orgId, String projectId) {
        return db.withConnection(c -> {
            String sql = "SELECT " + COLUMNS + " FROM ip_allowlist WHERE scope_id = ? AND org_id = ? ORDER BY created_at, id";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, projectId != null ? projectId : orgId);
                ps.setString(2, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<IpAllowlistEntry> out = new ArrayList<>();
                    while (rs.next()) out.add(read(rs));
                    return out;
                }
            }
        });
    }

    /** What authorization needs for a request of this project: the organization's list and the project's. One query. */
    public Lists forRequest(String orgId, String projectId) {
        return db.withConnection(c -> {
            String sql = "SELECT project_id, cidr FROM ip_allowlist WHERE org_id = ? AND (project_id IS NULL OR project_id = ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, orgId);
                ps.setString(2, projectId);
                try (ResultSet rs = ps.executeQuery()) {
                    Set<String> org = new LinkedHashSet<>();
                    Set<String> project = new LinkedHashSet<>();
                    while (rs.next()) (rs.getString(1) == null ? org : project).add(rs.getString(2));
                    return new Lists(Set.copyOf(org), Set.copyOf(project));
                }
            }
        });
    }

    /**
     * Makes one level's list exactly {@code cidrs} (declarative bootstrap): removes what is not listed, adds what is
     * missing, keeps the rest (and their ids). Returns whether anything changed. Run inside a transaction.
     */
    public boolean replace(String orgId, String projectId, Set<String> cidrs) {
        boolean changed = false;
        Set<String> present = new LinkedHashSet<>();
        for (IpAllowlistEntry e : list(orgId, projectId)) {
            if (cidrs.contains(e.cidr())) {
                present.add(e.cidr());
            } else {
                remove(e.id());
                changed = true;
            }
        }
        for (String cidr : cidrs) {
            if (!present.contains(cidr)) {
                add(orgId, projectId, cidr);
                changed = true;
            }
        }
        return changed;
    }

    /** The two lists that apply to one project's requests; empty means unrestricted at that level. */
    public record Lists(Set<String> organization, Set<String> project) {}

    private static IpAllowlistEntry read(ResultSet rs) throws SQLException {
        return new IpAllowlistEntry(rs.getString("id"), rs.getString("org_id"), rs.getString("project_id"),
                rs.getString("cidr"), Rows.instant(rs, "created_at"));
    }
}
