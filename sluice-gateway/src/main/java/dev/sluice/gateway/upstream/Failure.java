package dev.sluice.gateway.upstream;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;

/**
 * One failed upstream attempt before anything reached the caller: the catalogue error it would become, what may be
 * tried next, and what it says about the deployment's health. The retry rules of docs/upstreams.md live here, once.
 *
 * @param retryAfterMs the upstream's retry-after (ms), or -1 when it sent none
 */
public record Failure(ApiException error, Next next, Health health, long retryAfterMs) {

    /** What the call may do after this failure. */
    public enum Next {
        /** Transient: retry, on another deployment first, then on this one after backoff / retry-after. */
        RETRY,
        /** This deployment cannot serve the request (its credential was refused); another one may. */
        OTHER_DEPLOYMENT,
        /** The answer is final (the request itself is wrong): give it to the caller. */
        STOP
    }

    /** What the circuit breaker learns from the attempt. */
    public enum Health {
        FAILURE, NEUTRAL, ALIVE,
        /** The provider refused Sluice's account for longer than a cool-down (a spend cap): open the circuit now. */
        TRIPPED
    }

    /** An HTTP error status, already mapped by the provider adapter. */
    public static Failure ofStatus(int status, ApiException mapped, long retryAfterMs) {
        if (status == 429) return new Failure(mapped, Next.RETRY, Health.NEUTRAL, retryAfterMs);
        if (status == 408 || status >= 500) return new Failure(mapped, Next.RETRY, Health.FAILURE, retryAfterMs);
        if (status == 401 || status == 403) return new Failure(mapped, Next.OTHER_DEPLOYMENT, Health.FAILURE, -1);
        return new Failure(mapped, Next.STOP, Health.ALIVE, -1);
    }

    /** Connection refused or reset, or a timeout, before the first byte. */
    public static Failure transport(ApiException mapped) {
        return new Failure(mapped, Next.RETRY, Health.FAILURE, -1);
    }

    /**
     * No first byte (or first event) within its timeout: waiting the same time again on the same deployment would
     * mostly outlast the caller, so the call moves to another deployment or ends.
     */
    static Failure silent(ApiException mapped) {
        return new Failure(mapped, Next.OTHER_DEPLOYMENT, Health.FAILURE, -1);
    }

    /** A 2xx that is not a usable answer: invalid JSON, an error object, a stream that broke before its first event. */
    public static Failure garbage() {
        return new Failure(ApiException.of(ErrorKind.BAD_GATEWAY), Next.RETRY, Health.FAILURE, -1);
    }

    /**
     * This deployment cannot serve the request at all (the provider refused Sluice's own account: credential,
     * billing, spend cap, egress region; or the provider lacks the endpoint): another deployment may, this one is
     * not retried for the request, and the caller gets {@code mapped} only if no other deployment serves.
     */
    public static Failure otherDeployment(ApiException mapped, Health health) {
        return new Failure(mapped, Next.OTHER_DEPLOYMENT, health, -1);
    }
}
