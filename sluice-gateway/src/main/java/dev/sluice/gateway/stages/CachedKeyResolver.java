package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.store.ApiKey;
import dev.sluice.gateway.store.CachingKeyLookup;
import dev.sluice.gateway.store.KeyPrincipal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Optional;

/**
 * Adapts {@link CachingKeyLookup} to the event loop: a cache hit is answered in place, a miss goes to a worker thread
 * (JDBC blocks). Also turns the stored key into the authentication outcome.
 */
public final class CachedKeyResolver implements KeyResolver {
    private final Vertx vertx;
    private final CachingKeyLookup lookup;

    public CachedKeyResolver(Vertx vertx, CachingKeyLookup lookup) {
        this.vertx = vertx;
        this.lookup = lookup;
    }

    /**
     * The last principal decided and its outcome: the cache returns the same principal object for a key until it
     * reloads it, so the caller's requests reuse one (immutable) outcome instead of building it anew each time.
     */
    private volatile Decided last;

    private record Decided(KeyPrincipal principal, Resolution resolution) {}

    @Override
    public Future<Resolution> resolve(String secret) {
        Optional<KeyPrincipal> hit = lookup.peek(secret);
        if (hit != null) return Future.succeededFuture(decideCached(hit));
        return vertx.executeBlocking(() -> lookup.find(secret), false).map(CachedKeyResolver::decide);
    }

    private Resolution decideCached(Optional<KeyPrincipal> found) {
        if (found.isEmpty()) return decide(found);
        Decided d = last;
        if (d != null && d.principal() == found.get()) return d.resolution();
        Resolution r = decide(found);
        last = new Decided(found.get(), r);
        return r;
    }

    private static Resolution decide(Optional<KeyPrincipal> found) {
        if (found.isEmpty() || found.get().projectArchived()) return Resolution.unknown();
        KeyPrincipal p = found.get();
        ApiKey k = p.key();
        // Batch keys are unowned and named by the Batch API; an admin cannot create an unowned key of that name.
        boolean batch = k.name() != null && k.name().startsWith(Caller.BATCH_KEY_NAME_PREFIX)
                && k.ownerUserId() == null && k.serviceAccountId() == null;
        Caller caller = new Caller(k.id(), p.orgId(), p.projectId(), k.redactedValue(), k.scopes(), p.ownerIsMember(),
                batch);
        if (k.isRevoked()) return new Resolution(Status.REVOKED, caller, k.revokedAt());
        return new Resolution(Status.VALID, caller, k.expiresAt());
    }
}
