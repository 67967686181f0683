package dev.sluice.gateway.limits;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Futures;
import dev.sluice.gateway.pipeline.HeaderText;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.usage.Billing;
import dev.sluice.protocol.Durations;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Enforces RPM, RPD, TPM, TPD and IPM for the caller's organization and project on the model's family: 429
 * rate_limit_exceeded naming the limit that binds (with retry-after), or "Request too large" when the request alone
 * exceeds a limit. Puts the {@code x-ratelimit-*} headers of the binding scope on every answer, and corrects the
 * token reservation to the billed usage when the request ends. A failing store fails closed (503) unless
 * {@code limits.fail_open} is set.
 */
public final class RateLimits implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimits.class);
    private final RateLimiter limiter;
    private final boolean failOpen;
    private final MeterRegistry metrics;
    private final dev.sluice.gateway.observability.GatewayMetrics observed;

    public RateLimits(RateLimiter limiter, boolean failOpen, MeterRegistry metrics) {
        this.limiter = limiter;
        this.failOpen = failOpen;
        this.metrics = metrics;
        this.observed = dev.sluice.gateway.observability.GatewayMetrics.of(metrics);
    }

    @Override
    public StageOrder order() {
        return StageOrder.RATE_LIMITS;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        Caller c = ex.caller();
        if (c == null || ex.model() == null) return next.proceed(ex);
        long images = ex.endpoint() == Endpoint.IMAGES ? Math.max(1, ex.json().path("n").asInt(1)) : 0;
        RateLimiter.Demand demand = new RateLimiter.Demand(c.orgId(), c.projectId(), ex.model().family(),
                (long) ex.promptTokens() + ex.maxOutputTokens(), images);
        // the in-memory store decides at once: no lambda and no future operation then, only for a store still answering
        return Futures.compose(Futures.recover(limiter.decide(demand), storeFailed), ex, next, decided);
    }

    private final java.util.function.Function<Throwable, Future<Decision>> storeFailed = this::storeFailed;

    /** A store that failed: admit without limits (fail_open) or refuse as overloaded. */
    private Future<Decision> storeFailed(Throwable err) {
        LOG.warn("rate-limit store failed ({}); {}", err.toString(), failOpen ? "admitting (fail_open)" : "refusing");
        metrics.counter("sluice_rate_limit_store_errors").increment();
        if (failOpen) return Future.succeededFuture(Decision.UNLIMITED);
        return Future.failedFuture(ApiException.of(ErrorKind.SERVER_OVERLOADED)
                .withHeaders(Map.of(Headers.RETRY_AFTER, "1")));
    }

    private final Futures.Step<Decision> decided = this::decided;

    /** The decision made: its headers on the answer, a refusal, or the rest with the reservation's correction. */
    private Future<Answer> decided(Decision d, Exchange ex, Chain next) {
        Caller c = ex.caller();
        headers(ex.responseHeaders(), d);
        headroom(c, ex.model().family(), d);
        if (!d.admitted()) {
            Decision.Refusal r = d.refusal();
            metrics.counter("sluice_rate_limited", "limit", r.check().kind().abbreviation(),
                    "scope", r.check().scope().value()).increment();
            ex.refusedBy(r.check().kind().abbreviation() + "/" + r.check().scope().value());
            return Future.failedFuture(refusal(ex, r));
        }
        if (!d.checks().isEmpty()) {
            // a model fallback that served instead is charged by its own decision; this one is then refunded
            var decidedFor = ex.model();
            return Futures.whenDoneAsync(next.proceed(ex), ending -> limiter.correct(d,
                    ex.model() == decidedFor ? Billing.billedTokens(ex.attempts(), ending.outcome(),
                            ex.promptTokens(), ex.completionTokens()) : 0));
        }
        return next.proceed(ex);
    }

    /** The project's remaining share of its binding per-minute limits, for the headroom gauge. */
    private void headroom(Caller c, String family, Decision d) {
        if (d.requests() != null) observed.headroom(c.projectId(), family, "requests", d.requests().remaining(),
                d.requests().limit());
        if (d.tokens() != null) observed.headroom(c.projectId(), family, "tokens", d.tokens().remaining(),
                d.tokens().limit());
    }

    /**
     * The {@code x-ratelimit-*} headers of {@code d}, their names encoded once (hashed and checked from bytes) and
     * their values made as AsciiStrings from the digits (the text of {@code Long.toString} and
     * {@code Durations.formatMillis}, written to the socket in one copy); a limit's value kept while it stays.
     */
    public static void headers(MultiMap h, Decision d) {
        if (d.requests() != null) {
            h.set(LIMIT_REQUESTS, REQUESTS_LIMIT.of(d.requests().limit()));
            h.set(REMAINING_REQUESTS, HeaderText.number(d.requests().remaining()));
            h.set(RESET_REQUESTS, HeaderText.duration(d.requests().resetMs()));
        }
        if (d.tokens() != null) {
            h.set(LIMIT_TOKENS, TOKENS_LIMIT.of(d.tokens().limit()));
            h.set(REMAINING_TOKENS, HeaderText.number(d.tokens().remaining()));
            h.set(RESET_TOKENS, HeaderText.duration(d.tokens().resetMs()));
        }
    }

    /** The limits are the configured ones on almost every answer: their values spelled once while they stay. */
    private static final HeaderText.RepeatedNumber REQUESTS_LIMIT = new HeaderText.RepeatedNumber();
    private static final HeaderText.RepeatedNumber TOKENS_LIMIT = new HeaderText.RepeatedNumber();
    private static final CharSequence LIMIT_REQUESTS = HttpHeaders.createOptimized(Headers.LIMIT_REQUESTS);
    private static final CharSequence REMAINING_REQUESTS = HttpHeaders.createOptimized(Headers.REMAINING_REQUESTS);
    private static final CharSequence RESET_REQUESTS = HttpHeaders.createOptimized(Headers.RESET_REQUESTS);
    private static final CharSequence LIMIT_TOKENS = HttpHeaders.createOptimized(Headers.LIMIT_TOKENS);
    private static final CharSequence REMAINING_TOKENS = HttpHeaders.createOptimized(Headers.REMAINING_TOKENS);
    private static final CharSequence RESET_TOKENS = HttpHeaders.createOptimized(Headers.RESET_TOKENS);

    private static ApiException refusal(Exchange ex, Decision.Refusal r) {
        Check c = r.check();
        Caller caller = ex.caller();
        String project = c.scope() == LimitScope.PROJECT ? " project " + caller.projectId() : "";
        String[] vars = {"model", ex.modelId(), "org", caller.orgId(), "project", project,
                "limit_name", c.kind().words(), "limit_abbr", c.kind().abbreviation(),
                "limit", Long.toString(c.capacity()), "used", Long.toString(r.used()),
                "requested", Long.toString(c.cost()), "wait", Durations.formatMillis(r.waitMs())};
        if (r.tooLarge()) return ApiException.of(ErrorKind.REQUEST_TOO_LARGE_FOR_LIMIT, vars);
        return ApiException.of(c.kind().errorKind(), vars).withHeaders(Map.of(
                Headers.RETRY_AFTER, Long.toString(Math.max(1, (r.waitMs() + 999) / 1000)),
                Headers.RETRY_AFTER_MS, Long.toString(r.waitMs())));
    }
}
