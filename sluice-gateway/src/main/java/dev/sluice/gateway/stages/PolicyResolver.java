package dev.sluice.gateway.stages;

import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.pipeline.Caller;
import io.vertx.core.Future;

/** The access policy of the caller's project (cached, off the event loop on a miss). */
public interface PolicyResolver {
    Future<AccessPolicy> policy(Caller caller);

    /** No restrictions at all: for tests of stages that do not care. */
    static PolicyResolver open() {
        return c -> Future.succeededFuture(AccessPolicy.OPEN);
    }
}
