package dev.sluice.gateway.traffic;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import io.vertx.core.Future;

/** The four stages between the request checks and the upstream call, in pipeline order. */
public record TrafficStages(Stage quotaCheck, Stage rateLimits, Stage slowDownGuard, Stage admissionControl) {

    /** Stages that let everything through (a pipeline without traffic control, e.g. in pipeline tests). */
    public static TrafficStages passThrough() {
        return new TrafficStages(new PassThrough(StageOrder.QUOTA_CHECK), new PassThrough(StageOrder.RATE_LIMITS),
                new PassThrough(StageOrder.SLOW_DOWN_GUARD), new PassThrough(StageOrder.ADMISSION_CONTROL));
    }

    /** A disabled concern: keeps its place in the order and passes the request on. */
    record PassThrough(StageOrder order) implements Stage {
        @Override
        public Future<Answer> apply(Exchange ex, Chain next) {
            return next.proceed(ex);
        }

        @Override
        public boolean passesThrough() {
            return true;
        }
    }
}
