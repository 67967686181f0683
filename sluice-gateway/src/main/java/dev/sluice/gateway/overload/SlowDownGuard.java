package dev.sluice.gateway.overload;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;

/**
 * Answers 503 slow_down when a project's request rate jumps far above its own recent baseline ({@link SlowDownRule}),
 * with retry-after until the last-minute window next moves. A steady project, or one growing within the ramp, never
 * sees it. Fails open: if the counters cannot be read the request passes (the guard is a heuristic; rate limits and
 * admission control still apply).
 */
public final class SlowDownGuard implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(SlowDownGuard.class);
    private final RequestRates rates;
    private volatile SlowDownRule rule;
    private final Clock clock;
    private final Counter refused;
    private final Counter errors;

    public SlowDownGuard(RequestRates rates, SlowDownRule rule, Clock clock, MeterRegistry metrics) {
        this.rates = rates;
        this.rule = rule;
        this.clock = clock;
        this.refused = metrics.counter("sluice_slow_down_refused");
        this.errors = metrics.counter("sluice_slow_down_errors");
    }

    /** Installs the thresholds of a reloaded config; the per-project counts carry over. */
    public void replaceRule(SlowDownRule rule) {
        this.rule = rule;
    }

    @Override
    public StageOrder order() {
        return StageOrder.SLOW_DOWN_GUARD;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        // Batch lines are self-paced background work: they neither trip nor feed a project's Slow Down baseline.
        if (ex.caller() == null || ex.caller().batch()) return next.proceed(ex);
        return rates.admit(ex.caller().projectId(), clock.millis(), rule).recover(err -> {
            errors.increment();
            LOG.warn("slow-down counters unavailable ({}); admitting", err.toString());
            return Future.succeededFuture(new SlowDownRule.Verdict(true, 0, 0, 0));
        }).compose(v -> {
            if (v.admitted()) return next.proceed(ex);
            refused.increment();
            long seconds = Math.max(1, (v.waitMs() + 999) / 1000);
            return Future.failedFuture(ApiException.of(ErrorKind.SLOW_DOWN)
                    .withHeaders(Map.of(Headers.RETRY_AFTER, Long.toString(seconds))));
        });
    }
}
