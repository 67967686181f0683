package dev.sluice.gateway.stages;

import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.access.PolicyCache;
import dev.sluice.gateway.pipeline.Caller;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Adapts {@link PolicyCache} to the event loop: a hit is answered in place, a miss is loaded on a worker thread. */
public final class CachedPolicyResolver implements PolicyResolver {
    private final Vertx vertx;
    private final PolicyCache cache;

    public CachedPolicyResolver(Vertx vertx, PolicyCache cache) {
        this.vertx = vertx;
        this.cache = cache;
    }

    @Override
    public Future<AccessPolicy> policy(Caller caller) {
        AccessPolicy hit = cache.peek(caller.orgId(), caller.projectId());
        if (hit != null) return Future.succeededFuture(hit);
        return vertx.executeBlocking(() -> cache.find(caller.orgId(), caller.projectId()), false);
    }
}
