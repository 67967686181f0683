package dev.sluice.gateway.upstream;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whose problem a provider's error is, which decides everything else about it (errors.md, "Upstream errors"). Every
 * row of a provider's error table names one; {@link #failure} turns row + message into the attempt's outcome.
 */
public enum Blame {
    /** The request itself is wrong (bad field, prompt too long, too large): the caller gets it, nothing is retried. */
    CALLER,
    /**
     * Sluice's own provider account is refused (credential, billing, permission, spend cap, egress region): never the
     * caller's fault, so 502 bad_gateway, an operator alert on {@code sluice.alert}, and another deployment is tried.
     */
    ACCOUNT,
    /** The provider's capacity (rate limit, overload): retried after backoff / retry-after, then 503. */
    CAPACITY,
    /** The provider failed (internal error, timeout, garbage): retried, then 502 / 504. */
    PROVIDER;

    private static final Logger ALERT = LoggerFactory.getLogger("sluice.alert");

    /**
     * The outcome of one failed attempt: {@code kind} is the catalogue row; for CALLER rows {@code message} (the
     * provider's, which names the field) and {@code param} are kept, other rows use the catalogue's own text.
     * ACCOUNT rows log the alert here, with provider, deployment, model and the provider's error type, never a secret.
     *
     * @param trip   for ACCOUNT rows: open the deployment's circuit at once (a spend cap that lasts the month)
     */
    public Failure failure(ErrorKind kind, String message, String param, Context c, long retryAfterMs, boolean trip) {
        return switch (this) {
            case CALLER -> new Failure(new ApiException(kind, new ApiError(message == null || message.isBlank()
                    ? kind.error().message() : message, kind.type(), param, kind.code())),
                    Failure.Next.STOP, Failure.Health.ALIVE, -1);
            case ACCOUNT -> {
                ALERT.error("provider refused Sluice's account: provider={} deployment={} model={} error={}{}",
                        c.provider(), c.deployment(), c.model(), c.providerError(),
                        trip ? " (deployment taken out of rotation)" : "");
                yield Failure.otherDeployment(ApiException.of(ErrorKind.BAD_GATEWAY),
                        trip ? Failure.Health.TRIPPED : Failure.Health.FAILURE);
            }
            case CAPACITY -> new Failure(withRetryAfter(ApiException.of(ErrorKind.UPSTREAM_UNAVAILABLE, "model",
                    c.model()), retryAfterMs), Failure.Next.RETRY,
                    c.overloaded() ? Failure.Health.FAILURE : Failure.Health.NEUTRAL, retryAfterMs);
            case PROVIDER -> new Failure(kind == ErrorKind.UPSTREAM_TIMEOUT
                    ? ApiException.of(ErrorKind.UPSTREAM_TIMEOUT, "timeout", "its own deadline")
                    : ApiException.of(ErrorKind.BAD_GATEWAY), Failure.Next.RETRY, Failure.Health.FAILURE,
                    retryAfterMs);
        };
    }

    /** The provider's own wait, passed on unrenamed when the caller gets the capacity error. */
    private static ApiException withRetryAfter(ApiException e, long retryAfterMs) {
        if (retryAfterMs < 0) return e;
        return e.withHeaders(java.util.Map.of(dev.sluice.protocol.Headers.RETRY_AFTER,
                Long.toString(Math.max(1, (retryAfterMs + 999) / 1000)),
                dev.sluice.protocol.Headers.RETRY_AFTER_MS, Long.toString(retryAfterMs)));
    }

    /**
     * Who and what an error is about, for the alert and the catalogue message.
     *
     * @param overloaded the provider said it is overloaded (counts against the deployment's health, unlike a
     *                   rate limit, which only says the account is busy)
     */
    public record Context(String provider, String deployment, String model, String providerError,
                          boolean overloaded) {
        /** The same context for the provider error {@code type}. */
        public Context withError(String type) {
            return new Context(provider, deployment, model, type, overloaded);
        }

        /** The same context, with the provider saying it is overloaded. */
        public Context asOverloaded() {
            return new Context(provider, deployment, model, providerError, true);
        }
    }
}
