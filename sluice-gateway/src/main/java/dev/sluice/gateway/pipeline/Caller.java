package dev.sluice.gateway.pipeline;

import java.util.Set;

/**
 * Who is calling, once the API key is authenticated: ids only, never the secret.
 *
 * @param scopes        the key's scope restriction; empty means unrestricted
 * @param ownerIsMember false when the key's owner has left the key's organization (the {@code no_organization} 401)
 * @param batch         the key was minted by the Batch API for one batch's lines: lower-priority, self-paced traffic
 */
public record Caller(String keyId, String orgId, String projectId, String redactedKey, Set<String> scopes,
                     boolean ownerIsMember, boolean batch) {

    /** The name prefix of the keys the Batch API mints ("batch batch_…"); only Sluice itself creates them. */
    public static final String BATCH_KEY_NAME_PREFIX = "batch batch_";

    public Caller {
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
    }

    public Caller(String keyId, String orgId, String projectId, String redactedKey, Set<String> scopes,
                  boolean ownerIsMember) {
        this(keyId, orgId, projectId, redactedKey, scopes, ownerIsMember, false);
    }

    /** An unrestricted caller whose owner is a member. */
    public Caller(String keyId, String orgId, String projectId, String redactedKey) {
        this(keyId, orgId, projectId, redactedKey, Set.of(), true, false);
    }
}
