package dev.sluice.gateway.stages;

import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Futures;
import io.vertx.core.Future;

import java.util.function.Function;

/**
 * The caller's access policy for the stages that check it (IP allowlist, region policy, model access): resolved by
 * the first of them and kept on the request, so one request makes one policy lookup instead of one a stage (each was
 * a cache key, a Caffeine read and a future). The caller, and so the policy's scope, does not change during a request.
 */
final class RequestPolicy {
    private RequestPolicy() {}

    /** {@code then} applied to the request's policy; as {@link Futures#compose}, a throw becomes a failed future. */
    static Future<Answer> apply(Exchange ex, PolicyResolver policies, Function<AccessPolicy, Future<Answer>> then) {
        AccessPolicy known = ex.accessPolicy();
        if (known == null) {
            return Futures.compose(policies.policy(ex.caller()), p -> {
                ex.accessPolicy(p);
                return then.apply(p);
            });
        }
        try {
            return then.apply(known);
        } catch (Throwable e) {
            return Future.failedFuture(e);
        }
    }
}
