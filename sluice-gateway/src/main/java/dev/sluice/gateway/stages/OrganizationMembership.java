package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * Refuses a key whose owner is no longer a member of the key's organization (401 no_organization): people leave,
 * their keys must stop with them. Service-account and unowned keys belong to the project, not to a person.
 */
public final class OrganizationMembership implements Stage {
    @Override
    public StageOrder order() {
        return StageOrder.ORGANIZATION_MEMBERSHIP;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (!ex.caller().ownerIsMember()) return Future.failedFuture(ApiException.of(ErrorKind.NO_ORGANIZATION));
        return next.proceed(ex);
    }
}
