package dev.sluice.gateway.store;

import dev.sluice.protocol.Hashes;
import dev.sluice.protocol.KeyMask;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * API keys: created with a fresh secret that is returned once and stored only as its SHA-256 hash and masked form;
 * found by secret in one indexed query that also answers the membership question; revoked, never deleted, so a
 * revoked key can still be named in its 401.
 */
public final class ApiKeys {

    public static final String PROJECT_KEY_PREFIX = "sk-proj-";
    public static final String SERVICE_ACCOUNT_KEY_PREFIX = "sk-svcacct-";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SECRET_BYTES = 36; // 48 url-safe characters, 288 bits

    private static final String COLUMNS = "k.id, k.name, k.redacted_value, k.org_id, k.project_id, k.owner_user_id,"
            + " k.service_account_id, k.scopes, k.created_at, k.expires_at, k.revoked_at, k.last_used_at";

    private static final String INSERT = "INSERT INTO api_keys (id, secret_hash, redacted_value, name, org_id,"
            + " project_id, owner_user_id, service_account_id, scopes, created_at, expires_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static final String FIND_PRINCIPAL = "SELECT " + COLUMNS + ", p.status AS project_status,"
            + " CASE WHEN k.owner_user_id IS NULL THEN 1"
            + " WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = k.org_id AND m.user_id = k.owner_user_id)"
            + " THEN 1 ELSE 0 END AS owner_is_member"
            + " FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.secret_hash = ?";

    private final Database db;
    private final Clock clock;

    public ApiKeys(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Creates a key with a newly generated secret ({@code sk-proj-…}, or {@code sk-svcacct-…} for a service account). */
    public CreatedKey create(KeySpec spec) {
        String prefix = spec.serviceAccountId() != null ? SERVICE_ACCOUNT_KEY_PREFIX : PROJECT_KEY_PREFIX;
        return createWithSecret(spec, newSecret(prefix));
    }

    /**
     * Creates a key whose secret the operator chose (e.g. {@code SLUICE_DEMO_KEY}, or a key declared in config with
     * its secret in an env var). Fails with {@link StoreException.Reason#CONFLICT} if the secret is already a key.
     */
    public CreatedKey createWithSecret(KeySpec spec, String secret) {
        if (secret == null || secret.isBlank()) throw new IllegalArgumentException("secret must not be blank");
        Instant now = Rows.now(clock);
        String id = Ids.next(Ids.API_KEY);
        String redacted = KeyMask.mask(secret);
        return db.withConnection(c -> {
            String orgId = activeProjectOrg(c, spec.projectId());
            try (PreparedStatement ps = db.prepare(c, INSERT)) {
                ps.setString(1, id);
                ps.setString(2, Hashes.sha256Hex(secret));
                ps.setString(3, redacted);
                ps.setString(4, spec.name());
                ps.setString(5, orgId);
                ps.setString(6, spec.projectId());
                Rows.setNullableString(ps, 7, spec.ownerUserId());
                Rows.setNullableString(ps, 8, spec.serviceAccountId());
                ps.setString(9, joinScopes(spec.scopes()));
                Rows.setInstant(ps, 10, now);
                Rows.setInstant(ps, 11, spec.expiresAt());
                ps.executeUpdate();
            }
            ApiKey key = new ApiKey(id, spec.name(), redacted, orgId, spec.projectId(), spec.ownerUserId(),
                    spec.serviceAccountId(), spec.scopes(), now, spec.expiresAt(), null, null);
            return new CreatedKey(key, secret);
        });
    }

    private String activeProjectOrg(Connection c, String projectId) throws SQLException {
        try (PreparedStatement ps = db.prepare(c, "SELECT org_id, status FROM projects WHERE id = ?")) {
            ps.setString(1, projectId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StoreException(StoreException.Reason.MISSING_REFERENCE, "no project " + projectId);
                }
                if (Project.Status.of(rs.getString("status")) != Project.Status.ACTIVE) {
                    throw new StoreException(StoreException.Reason.INVALID_STATE, "project " + projectId + " is archived");
                }
                return rs.getString("org_id");
            }
        }
    }

    /** The key this secret belongs to, with what authentication needs; empty for an unknown secret. One query. */
    public Optional<KeyPrincipal> findBySecret(String secret) {
        if (secret == null || secret.isEmpty()) return Optional.empty();
        return findByHash(Hashes.sha256Hex(secret));
    }

    /** As {@link #findBySecret}, for callers that already hashed (caches keyed by hash). */
    public Optional<KeyPrincipal> findByHash(String secretHash) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, FIND_PRINCIPAL)) {
                ps.setString(1, secretHash);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(new KeyPrincipal(read(rs), Project.Status.of(rs.getString("project_status")),
                            rs.getInt("owner_is_member") == 1));
                }
            }
        });
    }

    public Optional<ApiKey> find(String keyId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT " + COLUMNS + " FROM api_keys k WHERE k.id = ?")) {
                ps.setString(1, keyId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** A project's keys, oldest first, revoked ones included; secrets appear only in their masked form. */
    public List<ApiKey> listByProject(String projectId) {
        return db.withConnection(c -> {
            String sql = "SELECT " + COLUMNS + " FROM api_keys k WHERE k.project_id = ? ORDER BY k.created_at, k.id";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, projectId);
                try (ResultSet rs = ps.executeQuery()) {
                    List<ApiKey> keys = new ArrayList<>();
                    while (rs.next()) keys.add(read(rs));
                    return keys;
                }
            }
        });
    }

    /**
     * Revokes the key as of {@code at}. Returns false if it does not exist or was already revoked (the first
     * revocation time stands).
     */
    public boolean revoke(String keyId, Instant at) {
        Objects.requireNonNull(at, "at");
        return db.withConnection(c -> {
            String sql = "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                Rows.setInstant(ps, 1, at);
                ps.setString(2, keyId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Changes a key's scope restriction and expiry (declarative bootstrap keeps declared keys in step with the file).
     * False if the key does not exist.
     */
    public boolean setRestrictions(String keyId, Set<String> scopes, Instant expiresAt) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "UPDATE api_keys SET scopes = ?, expires_at = ? WHERE id = ?")) {
                ps.setString(1, joinScopes(scopes));
                Rows.setInstant(ps, 2, Rows.millis(expiresAt));
                ps.setString(3, keyId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Moves {@code last_used_at} forward (never back). Callers should batch this off the request path. */
    public void markUsed(String keyId, Instant at) {
        db.withConnection(c -> {
            String sql = "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                Rows.setInstant(ps, 1, at);
                ps.setString(2, keyId);
                Rows.setInstant(ps, 3, at);
                return ps.executeUpdate();
            }
        });
    }

    /** A fresh secret: {@code prefix} followed by 48 URL-safe characters from {@link SecureRandom}. */
    static String newSecret(String prefix) {
        byte[] bytes = new byte[SECRET_BYTES];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static ApiKey read(ResultSet rs) throws SQLException {
        return new ApiKey(rs.getString("id"), rs.getString("name"), rs.getString("redacted_value"),
                rs.getString("org_id"), rs.getString("project_id"), rs.getString("owner_user_id"),
                rs.getString("service_account_id"), splitScopes(rs.getString("scopes")),
                Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"), Rows.instant(rs, "revoked_at"),
                Rows.instant(rs, "last_used_at"));
    }

    private static String joinScopes(Set<String> scopes) {
        return String.join(",", scopes.stream().sorted().toList());
    }

    private static Set<String> splitScopes(String stored) {
        if (stored == null || stored.isEmpty()) return Set.of();
        return new LinkedHashSet<>(Arrays.asList(stored.split(",")));
    }
}
