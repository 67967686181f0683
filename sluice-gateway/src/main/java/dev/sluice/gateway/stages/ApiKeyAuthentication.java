package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Futures;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.KeyMask;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;

import java.time.Clock;

/**
 * Authenticates the {@code Authorization: Bearer} key: 401 missing_api_key without one, 401 invalid_api_key (with the
 * masked key) for an unknown, revoked or expired one. Expiry is checked against the injected clock on every request
 * so a cached key stops working at its expiry time. What the key may do is for the stages after it.
 */
public final class ApiKeyAuthentication implements Stage {
    private static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("authorization");
    private static final CharSequence ORGANIZATION = HttpHeaders.createOptimized(Headers.OPENAI_ORGANIZATION);
    private static final CharSequence PROJECT = HttpHeaders.createOptimized(Headers.OPENAI_PROJECT);
    private final KeyResolver keys;
    private final Clock clock;

    public ApiKeyAuthentication(KeyResolver keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public StageOrder order() {
        return StageOrder.API_KEY_AUTHENTICATION;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        String secret = bearer(ex.header(AUTHORIZATION));
        if (secret == null) return Future.failedFuture(ApiException.of(ErrorKind.MISSING_API_KEY));
        // a cached key is answered at once: then no lambda and no future operation
        return Futures.compose(keys.resolve(secret), ex, next, resolved);
    }

    private final Futures.Step<KeyResolver.Resolution> resolved = this::resolved;

    private Future<Answer> resolved(KeyResolver.Resolution r, Exchange ex, Chain next) {
        KeyResolver.Status status = r.status();
        if (status == KeyResolver.Status.VALID && r.at() != null && !clock.instant().isBefore(r.at())) {
            status = KeyResolver.Status.EXPIRED;
        }
        if (status == KeyResolver.Status.VALID) {
            Caller caller = r.caller();
            ex.caller(caller);
            Named named = this.named;
            if (named == null || named.caller() != caller) this.named = named = Named.of(caller);
            ex.responseHeaders().set(ORGANIZATION, named.org());
            ex.responseHeaders().set(PROJECT, named.project());
            return next.proceed(ex);
        }
        String masked = KeyMask.mask(bearer(ex.header(AUTHORIZATION))); // the key apply read, read again on refusal
        return Future.failedFuture(switch (status) {
            case UNKNOWN -> ApiException.of(ErrorKind.INVALID_API_KEY, "masked", masked);
            case REVOKED -> ApiException.of(ErrorKind.REVOKED_API_KEY, "masked", masked,
                    "time", String.valueOf(r.at()));
            case EXPIRED -> ApiException.of(ErrorKind.EXPIRED_API_KEY, "masked", masked,
                    "time", String.valueOf(r.at()));
            case VALID -> throw new AssertionError("answered above");
        });
    }

    /**
     * The last caller's organization and project as header values in their encoded form (written to the socket in
     * one copy, not a character at a time): the key resolver hands back the same caller while its key is cached, so
     * its requests reuse them.
     */
    private volatile Named named;

    private record Named(Caller caller, CharSequence org, CharSequence project) {
        static Named of(Caller c) {
            return new Named(c, HttpHeaders.createOptimized(c.orgId()), HttpHeaders.createOptimized(c.projectId()));
        }
    }

    /** The key of an {@code Authorization: Bearer KEY} header, or null when absent or empty. */
    static String bearer(String header) {
        if (header == null) return null;
        String h = header.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) h = h.substring(7).trim();
        else if (h.equalsIgnoreCase("bearer")) return null;
        return h.isEmpty() ? null : h;
    }
}
