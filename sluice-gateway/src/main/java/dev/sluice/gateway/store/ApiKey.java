package dev.sluice.gateway.store;

import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * An API key as stored: everything but the secret, which Sluice never keeps. {@code redactedValue} is the masked
 * secret for listings and error messages. A key has a user owner, a service account, or neither (declared in config).
 *
 * @param scopes the endpoints a restricted key may use; empty means unrestricted
 */
public record ApiKey(String id, String name, String redactedValue, String orgId, String projectId,
                     String ownerUserId, String serviceAccountId, Set<String> scopes, Instant createdAt,
                     Instant expiresAt, Instant revokedAt, Instant lastUsedAt) {

    public ApiKey {
        scopes = Collections.unmodifiableSortedSet(new TreeSet<>(scopes == null ? Set.of() : scopes));
    }

    public boolean isServiceAccountKey() {
        return serviceAccountId != null;
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** True from the expiry instant on. */
    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public boolean isUsableAt(Instant now) {
        return !isRevoked() && !isExpiredAt(now);
    }

    /** Whether the key may be used for {@code scope}; an unrestricted key may be used for anything. */
    public boolean allows(String scope) {
        return scopes.isEmpty() || scopes.contains(scope);
    }
}
