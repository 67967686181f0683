package dev.sluice.gateway.stages;

import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.access.ClientAddress;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * Admits a request only from an address on its organization's and its project's IP allowlists (when they have one),
 * else 401 ip_not_authorized naming the address. The address is the socket peer unless that peer is a trusted proxy
 * ({@link dev.sluice.gateway.access.TrustedProxies}), so a client cannot talk its way in with {@code X-Forwarded-For}.
 */
public final class IpAllowlist implements Stage, RequestPolicy.Check {
    private final PolicyResolver policies;

    public IpAllowlist(PolicyResolver policies) {
        this.policies = policies;
    }

    @Override
    public StageOrder order() {
        return StageOrder.IP_ALLOWLIST;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        return RequestPolicy.apply(ex, policies, this, next);
    }

    @Override
    public Future<Answer> check(AccessPolicy p, Exchange ex, Chain next) {
        ClientAddress client = ex.clientAddress();
        if (!p.admits(client.address())) {
            return Future.failedFuture(ApiException.of(ErrorKind.IP_NOT_AUTHORIZED, "ip", client.display()));
        }
        return next.proceed(ex);
    }
}
