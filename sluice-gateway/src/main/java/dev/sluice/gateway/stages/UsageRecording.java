package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Ending;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Futures;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.usage.UsageRecord;
import dev.sluice.gateway.usage.UsageSink;
import io.vertx.core.Future;

import java.time.Clock;

/**
 * Writes the one usage record of a model request once it has ended, however it ended: answered, refused by a later
 * stage (limits, quota, validation of the model), failed upstream, or abandoned by its caller. It sits around every
 * stage that can end a model request once its model is known, so its end-of-request work runs after theirs (limit
 * corrections, the admission slot) and the record is the last thing. An Idempotency-Key replay writes none: the
 * original request already has its record.
 */
public final class UsageRecording implements Stage {
    private final UsageSink usage;
    private final Clock clock;

    public UsageRecording(UsageSink usage, Clock clock) {
        this.usage = usage;
        this.clock = clock;
    }

    @Override
    public StageOrder order() {
        return StageOrder.USAGE_RECORDING;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        return Futures.whenDone(next.proceed(ex), ending -> {
            if (ex.caller() != null && ex.endpoint().modelRequest() && ex.modelId() != null && !ex.replay()) {
                usage.record(record(ex, ending));
            }
        });
    }

    private UsageRecord record(Exchange ex, Ending ending) {
        return new UsageRecord(ex.requestId(), clock.instant(), ex.caller().orgId(), ex.caller().projectId(),
                ex.caller().keyId(), ex.modelId(), ex.endpoint().route(), ex.promptTokens(), ex.completionTokens(),
                ending.outcome(), ending.errorCode(), ending.status(), ex.upstreamRequestId(), ex.attempts(),
                ex.stream());
    }
}
