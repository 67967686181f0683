package dev.sluice.gateway.upstream;

import dev.sluice.gateway.models.Deployment;

/**
 * What one request knows about one deployment of its plan: the deployment's shared circuit and retry budget, and the
 * request's own state there (failures so far, the earliest time it may go again, whether it is out of this request).
 * Lives on the request's event loop; only {@link AttemptPlanner} decides from it.
 */
final class DeploymentState {
    /** {@link #notBeforeNanos()} of a deployment that may go at once. */
    static final long NOW = Long.MIN_VALUE;

    private final Deployment deployment;
    private final CircuitBreaker breaker;
    private final RetryBudget budget;
    private long notBeforeNanos = NOW;
    private int failures;
    private boolean excluded;
    private boolean tried;

    DeploymentState(Deployment deployment, CircuitBreaker breaker, RetryBudget budget) {
        this.deployment = deployment;
        this.breaker = breaker;
        this.budget = budget;
    }

    Deployment deployment() {
        return deployment;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /** Whether the request may still go here now or later: not excluded and the circuit would let it through. */
    boolean available() {
        return !excluded && breaker.wouldAllow();
    }

    /** The earliest ticker time of the next attempt here, or {@link #NOW}. */
    long notBeforeNanos() {
        return notBeforeNanos;
    }

    /** Failed, retryable attempts here so far (the backoff exponent). */
    int failures() {
        return failures;
    }

    /** This deployment is out of the request. */
    void exclude() {
        excluded = true;
    }

    /** A retryable failure: the next attempt here waits until {@code nanos}. */
    void backOffUntil(long nanos) {
        failures++;
        notBeforeNanos = nanos;
    }

    /** A retryable failure that asked for a longer wait than the request will make: out of the request. */
    void failedForGood() {
        failures++;
        excluded = true;
    }

    /** Whether an attempt here was already made (a further one is a retry). */
    boolean tried() {
        return tried;
    }

    /**
     * Books an attempt: a request's first attempt on a deployment counts as a request there; a further one needs the
     * deployment's retry budget. False when the budget is spent.
     */
    boolean admit() {
        if (tried) return budget.tryRetry();
        tried = true;
        budget.onRequest();
        return true;
    }
}
