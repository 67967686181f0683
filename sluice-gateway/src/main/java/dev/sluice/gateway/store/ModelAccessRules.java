package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which models an organization may see (its tier: a model outside it does not exist for the organization) and which
 * models an organization and each of its projects may use. An empty list means no restriction at that level.
 */
public final class ModelAccessRules {

    /** The two kinds of list. {@code VISIBLE} exists only at organization level. */
    public enum Kind {
        VISIBLE, ALLOWED;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Database db;
    private final Clock clock;

    public ModelAccessRules(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** One list: the organization's when {@code projectId} is null, else the project's (ALLOWED only). */
    public Set<String> list(String orgId, String projectId, Kind kind) {
        return db.withConnection(c -> {
            String sql = "SELECT model FROM model_access WHERE scope_id = ? AND org_id = ? AND kind = ?";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, projectId != null ? projectId : orgId);
                ps.setString(2, orgId);
                ps.setString(3, kind.value());
                try (ResultSet rs = ps.executeQuery()) {
                    Set<String> out = new TreeSet<>();
                    while (rs.next()) out.add(rs.getString(1));
                    return Collections.unmodifiableSet(out);
                }
            }
        });
    }

    /** Every list that applies to a request of this project, in one query. */
    public Lists forRequest(String orgId, String projectId) {
        return db.withConnection(c -> {
            String sql = "SELECT project_id, kind, model FROM model_access WHERE org_id = ? AND (project_id IS NULL OR project_id = ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, orgId);
                ps.setString(2, projectId);
                try (ResultSet rs = ps.executeQuery()) {
                    Set<String> visible = new TreeSet<>();
                    Set<String> orgAllowed = new TreeSet<>();
                    Set<String> projectAllowed = new TreeSet<>();
                    while (rs.next()) {
                        String model = rs.getString(3);
                        if (rs.getString(1) != null) projectAllowed.add(model);
                        else if (Kind.VISIBLE.value().equals(rs.getString(2))) visible.add(model);
                        else orgAllowed.add(model);
                    }
                    return new Lists(Set.copyOf(visible), Set.copyOf(orgAllowed), Set.copyOf(projectAllowed));
                }
            }
        });
    }

    /**
     * Makes one list exactly {@code models}; returns whether anything changed. MISSING_REFERENCE for an unknown
     * organization or project.
     */
    public boolean replace(String orgId, String projectId, Kind kind, Set<String> models) {
        if (projectId != null && kind == Kind.VISIBLE) {
            throw new IllegalArgumentException("visible models are an organization-level list");
        }
        Set<String> current = list(orgId, projectId, kind);
        if (current.equals(models)) return false;
        String scope = projectId != null ? projectId : orgId;
        Instant now = Rows.now(clock);
        db.withConnection(c -> {
            for (String model : current) {
                if (models.contains(model)) continue;
                String sql = "DELETE FROM model_access WHERE scope_id = ? AND kind = ? AND model = ?";
                try (PreparedStatement ps = db.prepare(c, sql)) {
                    ps.setString(1, scope);
                    ps.setString(2, kind.value());
                    ps.setString(3, model);
                    ps.executeUpdate();
                }
            }
            for (String model : models) {
                if (current.contains(model)) continue;
                String sql = "INSERT INTO model_access (scope_id, org_id, project_id, kind, model, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?)";
                try (PreparedStatement ps = db.prepare(c, sql)) {
                    ps.setString(1, scope);
                    ps.setString(2, orgId);
                    Rows.setNullableString(ps, 3, projectId);
                    ps.setString(4, kind.value());
                    ps.setString(5, model);
                    Rows.setInstant(ps, 6, now);
                    ps.executeUpdate();
                }
            }
            return null;
        });
        return true;
    }

    /** The lists a request faces: the organization's tier and allowed models, and its project's allowed models. */
    public record Lists(Set<String> visible, Set<String> organizationAllowed, Set<String> projectAllowed) {}
}
