package dev.sluice.gateway.quota;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.usage.Billing;
import dev.sluice.protocol.ErrorKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/**
 * Refuses a request once its organization or project has spent its prepaid credits or this month's budget: 429
 * insufficient_quota, {@code x-should-retry: false} and no retry-after (it cannot pass until someone pays). An
 * admitted request reserves its worst-case cost (prompt x input price + maximum output x output price) until the
 * ledger records what it really cost, so a burst cannot overshoot a cap by more than one request.
 */
public final class QuotaCheck implements Stage {
    private final QuotaRules rules;
    private final SpendBook book;
    private final MeterRegistry metrics;

    public QuotaCheck(QuotaRules rules, SpendBook book, MeterRegistry metrics) {
        this.rules = rules;
        this.book = book;
        this.metrics = metrics;
    }

    @Override
    public StageOrder order() {
        return StageOrder.QUOTA_CHECK;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        Caller c = ex.caller();
        if (c == null || ex.model() == null) return next.proceed(ex);
        Owner org = Owner.org(c.orgId());
        Owner project = Owner.project(c.projectId());
        long worst = Billing.costNanos(ex.promptTokens(), ex.maxOutputTokens(), ex.model());
        if (!book.tryReserve(ex.requestId(), org, project, worst, rules.effective(org), rules.effective(project))) {
            metrics.counter("sluice_quota_refused").increment();
            return Future.failedFuture(ApiException.of(ErrorKind.INSUFFICIENT_QUOTA));
        }
        // Settled by the request's usage record (UsageRecording, around this stage, records every request that gets
        // here once it has ended: the ledger turns the reservation into spend in one step). A caller that left
        // before this stage ran never gets here: the pipeline starts no stage for a request that is over.
        return next.proceed(ex);
    }
}
