package dev.sluice.gateway.pipeline;

import java.util.Set;

/**
 * Who is calling, once the API key is authenticated: ids only, never the secret.
 *
 * @param scopes        the key's scope restriction; empty means unrestricted
 * @param ownerIsMember false when the key's owner has left the key's organization (the {@code no_organization} 401)
 */
public record Caller(String keyId, String orgId, String projectId, String redactedKey, Set<String> scopes,
                     boolean ownerIsMember) {

    public Caller {
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
    }

    /** An unrestricted caller whose owner is a member. */
    public Caller(String keyId, String orgId, String projectId, String redactedKey) {
        this(keyId, orgId, projectId, redactedKey, Set.of(), true);
    }
}
