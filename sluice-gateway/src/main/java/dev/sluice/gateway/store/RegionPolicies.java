package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which countries, regions or territories are not supported: an installation-wide list and one per organization. A
 * request from a country on either list is refused (403); a country on neither, or an unknown one, is served.
 * Countries are ISO 3166-1 alpha-2 codes in upper case; the caller validates them.
 */
public final class RegionPolicies {

    /** The scope id of the installation-wide list. */
    static final String GLOBAL = "*";

    private final Database db;
    private final Clock clock;

    public RegionPolicies(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The unsupported countries of an organization, or the installation-wide ones when {@code orgId} is null. */
    public Set<String> unsupported(String orgId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT country FROM region_policy WHERE scope_id = ?")) {
                ps.setString(1, orgId == null ? GLOBAL : orgId);
                return read(ps);
            }
        });
    }

    /** The union of the installation-wide list and the organization's: what a request of that organization faces. */
    public Set<String> forRequest(String orgId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT country FROM region_policy WHERE scope_id IN (?, ?)")) {
                ps.setString(1, GLOBAL);
                ps.setString(2, orgId);
                return read(ps);
            }
        });
    }

    /**
     * Makes the list exactly {@code countries}; returns whether anything changed. MISSING_REFERENCE for an unknown
     * organization. Run inside a transaction when it must be atomic.
     */
    public boolean replace(String orgId, Set<String> countries) {
        Set<String> current = unsupported(orgId);
        if (current.equals(countries)) return false;
        String scope = orgId == null ? GLOBAL : orgId;
        Instant now = Rows.now(clock);
        db.withConnection(c -> {
            for (String country : current) {
                if (countries.contains(country)) continue;
                try (PreparedStatement ps = db.prepare(c, "DELETE FROM region_policy WHERE scope_id = ? AND country = ?")) {
                    ps.setString(1, scope);
                    ps.setString(2, country);
                    ps.executeUpdate();
                }
            }
            for (String country : countries) {
                if (current.contains(country)) continue;
                String sql = "INSERT INTO region_policy (scope_id, org_id, country, created_at) VALUES (?, ?, ?, ?)";
                try (PreparedStatement ps = db.prepare(c, sql)) {
                    ps.setString(1, scope);
                    Rows.setNullableString(ps, 2, orgId);
                    ps.setString(3, country);
                    Rows.setInstant(ps, 4, now);
                    ps.executeUpdate();
                }
            }
            return null;
        });
        return true;
    }

    private static Set<String> read(PreparedStatement ps) throws java.sql.SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            Set<String> out = new TreeSet<>();
            while (rs.next()) out.add(rs.getString(1));
            return java.util.Collections.unmodifiableSet(out);
        }
    }
}
