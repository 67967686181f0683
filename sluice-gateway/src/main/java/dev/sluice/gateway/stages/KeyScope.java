package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Scopes;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * Restricted keys may call only the endpoints their scopes cover ({@link Scopes}); anything else is 401
 * insufficient_permissions naming the missing scope, as OpenAI answers it. Unrestricted keys pass.
 */
public final class KeyScope implements Stage {
    @Override
    public StageOrder order() {
        return StageOrder.KEY_SCOPE;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (!Scopes.allows(ex.caller().scopes(), ex.endpoint(), ex.method())) {
            return Future.failedFuture(ApiException.of(ErrorKind.INSUFFICIENT_PERMISSIONS, "scope",
                    Scopes.required(ex.endpoint(), ex.method())));
        }
        return next.proceed(ex);
    }
}
