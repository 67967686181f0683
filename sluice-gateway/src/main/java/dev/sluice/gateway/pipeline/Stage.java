package dev.sluice.gateway.pipeline;

import io.vertx.core.Future;

/**
 * One concern of the request path (authentication, validation, limits, the upstream call...). A stage either passes
 * the exchange on with {@code next.proceed(ex)} and gets back the answer of the stages after it, answers itself, or
 * fails with an {@link ApiException} (the pipeline makes that an {@link Answer.Failed}). What a stage must do once the
 * request has ended (release, correct, record) it attaches to the answer right after {@code proceed}:
 * <pre>{@code return next.proceed(ex).map(a -> a.whenDone(ending -> release()));}</pre>
 * or, the same without a future operation, {@code return Futures.whenDone(next.proceed(ex), ending -> release());}.
 * Stages never write to the socket (only the HTTP adapter does) and never block: blocking work goes to a worker
 * through {@link Exchange#blocking}.
 */
public interface Stage {
    /** Where the stage must sit; {@link Pipeline} checks the order at start-up. */
    StageOrder order();

    Future<Answer> apply(Exchange ex, Chain next);

    /**
     * True for a stage that does nothing but {@code next.proceed(ex)} (a disabled concern keeping its place in the
     * order): {@link Pipeline} checks its order like any other's but does not call it per request.
     */
    default boolean passesThrough() {
        return false;
    }

    /** The remainder of the pipeline after a stage. */
    interface Chain {
        /** Runs the stages after this one; the future always succeeds (an error is an {@link Answer.Failed}). */
        Future<Answer> proceed(Exchange ex);
    }
}
