package dev.sluice.gateway.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What to create a key for: the project, who holds it, its name, and the optional scope restriction and expiry.
 * Start from {@link #forUser}, {@link #forServiceAccount} or {@link #unowned} and refine with the {@code with…}
 * methods.
 */
public record KeySpec(String projectId, String name, String ownerUserId, String serviceAccountId, Set<String> scopes,
                      Instant expiresAt) {

    private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9._:*-]+");

    public KeySpec {
        Objects.requireNonNull(projectId, "projectId");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("key name must not be blank");
        if (ownerUserId != null && serviceAccountId != null) {
            throw new IllegalArgumentException("a key belongs to a user or a service account, not both");
        }
        scopes = Set.copyOf(scopes == null ? Set.of() : scopes);
        for (String s : scopes) {
            if (!SCOPE.matcher(s).matches()) throw new IllegalArgumentException("invalid scope: " + s);
        }
        expiresAt = Rows.millis(expiresAt);
    }

    /** A project key ({@code sk-proj-…}) owned by a user, who must stay a member of the project's organization. */
    public static KeySpec forUser(String projectId, String ownerUserId, String name) {
        return new KeySpec(projectId, name, Objects.requireNonNull(ownerUserId, "ownerUserId"), null, Set.of(), null);
    }

    /** A service-account key ({@code sk-svcacct-…}) in the service account's project. */
    public static KeySpec forServiceAccount(ServiceAccount account, String name) {
        return new KeySpec(account.projectId(), name, null, account.id(), Set.of(), null);
    }

    /** A project key with no owner, e.g. declared in {@code sluice.yaml}: no membership to lose. */
    public static KeySpec unowned(String projectId, String name) {
        return new KeySpec(projectId, name, null, null, Set.of(), null);
    }

    public KeySpec withScopes(Set<String> restrictedTo) {
        return new KeySpec(projectId, name, ownerUserId, serviceAccountId, restrictedTo, expiresAt);
    }

    public KeySpec withExpiry(Instant at) {
        return new KeySpec(projectId, name, ownerUserId, serviceAccountId, scopes, at);
    }
}
