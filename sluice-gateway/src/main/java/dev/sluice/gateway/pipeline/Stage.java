package dev.sluice.gateway.pipeline;

import io.vertx.core.Future;

/**
 * One concern of the request path (authentication, validation, limits, the upstream call...). A stage either passes
 * the exchange on with {@code next.proceed(ex)}, answers itself, or fails with an {@link ApiException}. Stages never
 * block: blocking work goes to a worker through {@link Exchange#blocking}.
 */
public interface Stage {
    /** Where the stage must sit; {@link Pipeline} checks the order at start-up. */
    StageOrder order();

    Future<Void> apply(Exchange ex, Chain next);

    /** The remainder of the pipeline after a stage. */
    interface Chain {
        Future<Void> proceed(Exchange ex);
    }
}
