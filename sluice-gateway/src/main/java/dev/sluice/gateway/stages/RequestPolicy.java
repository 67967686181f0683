package dev.sluice.gateway.stages;

import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import io.vertx.core.Future;

/**
 * The caller's access policy for the stages that check it (IP allowlist, region policy, model access): resolved by
 * the first of them and kept on the request, so one request makes one policy lookup instead of one a stage (each was
 * a cache key, a Caffeine read and a future). The caller, and so the policy's scope, does not change during a request.
 */
final class RequestPolicy {
    private RequestPolicy() {}

    /** What a stage does with the policy; the stage itself, so a request allocates nothing to call it. */
    interface Check {
        Future<Answer> check(AccessPolicy p, Exchange ex, Stage.Chain next);
    }

    /**
     * {@code check} applied to the request's policy: at once when the request knows it or the resolver answers at
     * once (a cache hit), else once it has loaded. As {@code Futures.compose}, a throw becomes a failed future.
     */
    static Future<Answer> apply(Exchange ex, PolicyResolver policies, Check check, Stage.Chain next) {
        AccessPolicy known = ex.accessPolicy();
        if (known == null) {
            Future<AccessPolicy> resolved = policies.policy(ex.caller());
            if (!resolved.isComplete()) {
                return resolved.compose(p -> {
                    ex.accessPolicy(p);
                    return check.check(p, ex, next);
                });
            }
            if (resolved.failed()) return Future.failedFuture(resolved.cause());
            known = resolved.result();
            ex.accessPolicy(known);
        }
        try {
            return check.check(known, ex, next);
        } catch (Throwable e) {
            return Future.failedFuture(e);
        }
    }
}
