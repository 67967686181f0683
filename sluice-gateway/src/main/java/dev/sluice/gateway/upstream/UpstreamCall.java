package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.HeaderText;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.time.Ticker;
import dev.sluice.protocol.time.Timers;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The terminal stage: sends the request to the model's deployments and relays the answer. Until the first byte
 * reaches the caller, a failed attempt is retried or failed over as {@link AttemptPlanner} decides, within
 * {@code max_attempts} and the total timeout; what is left is an ordinary HTTP error mapped by the provider adapter.
 * After the first byte, the in-band error event of {@link StreamErrors} ({@link StreamRelay}). Each attempt is an
 * {@link UpstreamAttempt}; all waits are {@link Timers} tasks on the request's event loop; a caller that disconnects
 * cancels the upstream request.
 */
public final class UpstreamCall implements Stage {

    /**
     * Everything the stage needs, built once at start.
     *
     * @param baseUrls the {@code .../v1} base of each deployment (the embedded simulator's for sim without base_url)
     * @param env      where {@code api_key_env} credentials are read
     * @param clock    the breakers' clock and retry-after dates
     * @param random   jitter and weighted deployment choice
     * @param ticker   elapsed time of a request (its budget, backoff deadlines)
     * @param timers   every wait: backoff, first byte, idle, total; tasks must run on the event loop that scheduled them
     * @param adapters the adapter of a {@code provider:} name (upstream.providers.ProviderAdapters::of)
     */
    public record Settings(SluiceConfig.Timeouts timeouts, RetryPolicy retries, SluiceConfig.Breaker breaker,
                           Function<Deployment, String> baseUrls, Map<String, String> env, Clock clock,
                           RandomGenerator random, Ticker ticker, Timers timers,
                           Function<String, ProviderAdapter> adapters) {}

    private final Settings settings;
    private final AttemptPlanner planner;
    private final CircuitBreakers breakers;
    private final DeploymentSelector selector;
    private final RetryBudgets budgets;
    private final RetryHint hint;
    private final CallerDeadline deadline;
    private final UpstreamClients http;
    private UpstreamAttempt.Context attempts;

    public UpstreamCall(UpstreamClients http, Settings settings, RetryProtection protection) {
        this.http = http;
        this.settings = settings;
        this.planner = new AttemptPlanner(settings.retries());
        this.breakers = new CircuitBreakers(settings.breaker(), settings.clock());
        this.selector = new DeploymentSelector(settings.random());
        this.budgets = new RetryBudgets(protection.budget(), settings.clock());
        this.hint = RetryHint.of(protection.hints());
        this.deadline = CallerDeadline.of(protection.deadlines());
        this.attempts = new UpstreamAttempt.Context(http, settings.timers(), settings.timeouts(), UpstreamObserver.NONE,
                settings);
    }

    /** Tells {@code o} about every attempt and stream (metrics, traces); set once at start. */
    public UpstreamCall observe(UpstreamObserver o) {
        this.attempts = new UpstreamAttempt.Context(http, settings.timers(), settings.timeouts(), o, settings);
        return this;
    }

    /** The circuit breakers of every deployment, for metrics and tests. */
    public CircuitBreakers breakers() {
        return breakers;
    }

    @Override
    public StageOrder order() {
        return StageOrder.TERMINAL;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        return new Call(ex, attempts).start();
    }

    /**
     * One client request: asks the planner for each attempt, waits, runs it, and turns the last outcome into the
     * answer, known at the first byte: a whole JSON body, an error, or the stream its relay then feeds. Everything
     * runs on the request's event loop.
     */
    private final class Call implements UpstreamAttempt.Listener {
        private final Exchange ex;
        private final UpstreamAttempt.Context cx;
        private final Promise<Answer> answer = Promise.promise();
        private final List<DeploymentState> plan;
        private final TokenCount tokens;
        private final StreamRelay relay;
        private final Ticker ticker = settings.ticker();
        private final Timers timers = settings.timers();
        private final long startNanos = ticker.nanos();
        private long totalMs;
        private UpstreamAttempt current;
        private Failure lastFailure;
        private int attemptsMade;
        private int last = -1;
        private Timers.Timer waitTimer, totalTimer;
        private boolean finished;

        Call(Exchange ex, UpstreamAttempt.Context cx) {
            this.ex = ex;
            this.cx = cx;
            List<Deployment> order = selector.order(ex.model().deployments());
            this.plan = new ArrayList<>(order.size());
            for (Deployment d : order) {
                plan.add(new DeploymentState(d, breakers.of(ex.modelId(), d), budgets.of(ex.modelId(), d)));
            }
            this.tokens = new TokenCount(ex);
            this.relay = new StreamRelay(ex, tokens, this::streamStarted);
        }

        Future<Answer> start() {
            ex.attempts(0);
            ex.responseHeaders().set(HeaderText.SLUICE_ATTEMPTS, HeaderText.number(0));
            totalMs = deadline.totalMs(settings.timeouts().totalMs(), ex::header);
            totalTimer = timers.schedule(totalMs, this::totalTimeout);
            ex.cancelled().onSuccess(v -> cancelledByCaller());
            ex.onAbort(this::aborted);
            next();
            return answer.future();
        }

        private long elapsedMs() {
            return (ticker.nanos() - startNanos) / 1_000_000;
        }

        /** Starts the next attempt the planner names, after its wait; or gives up. */
        private void next() {
            if (finished) return;
            switch (planner.next(plan, last, attemptsMade, ticker.nanos(), elapsedMs(), totalMs)) {
                case AttemptPlanner.GiveUp g -> giveUp();
                case AttemptPlanner.Launch l when l.delayMs() <= 0 -> launch(l.index());
                case AttemptPlanner.Launch l -> waitTimer = timers.schedule(l.delayMs(), () -> {
                    waitTimer = null;
                    launch(l.index());
                });
            }
        }

        private void launch(int i) {
            if (finished) return;
            DeploymentState d = plan.get(i);
            if (!d.breaker().tryAcquire()) { // opened, or another request holds the half-open probe
                d.exclude();
                next();
                return;
            }
            boolean retry = d.tried();
            if (!d.admit()) { // this deployment's retry budget is spent
                if (retry) cx.observer().retryRefused(ex, d.deployment());
                d.breaker().onNeutral();
                d.exclude();
                next();
                return;
            }
            last = i;
            attemptsMade++;
            ex.attempts(attemptsMade);
            ex.responseHeaders().set(HeaderText.SLUICE_ATTEMPTS, HeaderText.number(attemptsMade));
            current = new UpstreamAttempt(cx, ex, d, attemptsMade, relay, this);
            current.start();
        }

        /** Until the soonest circuit of the plan may probe, when every one is open; else -1. */
        private long circuitWaitMs() {
            long soonest = Long.MAX_VALUE;
            for (DeploymentState d : plan) {
                long ms = d.breaker().remainingOpenMs();
                if (ms <= 0) return -1;
                soonest = Math.min(soonest, ms);
            }
            return soonest == Long.MAX_VALUE ? -1 : soonest;
        }

        @Override
        public void failed(UpstreamAttempt a, Failure f) {
            if (current == a) current = null;
            a.verdict(f.health());
            if (finished) return;
            lastFailure = f;
            if (f.next() == Failure.Next.STOP) {
                fail(f.error());
                return;
            }
            planner.failed(a.deployment(), f, ticker.nanos(), settings.random());
            next();
        }

        private void giveUp() {
            fail(lastFailure != null ? lastFailure.error() : UpstreamErrors.unreachable(ex.modelId()));
        }

        /** Before the first byte: the error becomes the HTTP answer. After it: the in-band error event. */
        private void fail(ApiException e) {
            if (finished) return;
            if (relay.started()) {
                inBand(e);
                return;
            }
            finish();
            answer.tryFail(hint.applyTo(e, lastFailure == null ? -1 : lastFailure.retryAfterMs(), circuitWaitMs()));
        }

        @Override
        public void answered(UpstreamAttempt a, ProviderAdapter.Answer.Ok ok) {
            if (finished) return;
            a.verdict(Failure.Health.ALIVE);
            finish();
            tokens.answered(ok);
            a.ended(true, null); // with the tokens, before the answer ends (the access line reads what it recorded)
            answer.tryComplete(Answer.json(200, ok.body()));
        }

        @Override
        public void streamCompleted(UpstreamAttempt a) {
            if (finished) return;
            a.verdict(Failure.Health.ALIVE);
            finish();
            relay.end();
        }

        @Override
        public void brokenMidStream(UpstreamAttempt a, ApiException e) {
            a.verdict(Failure.Health.FAILURE);
            inBand(e);
        }

        /**
         * The first event is about to reach the caller. A caller's declared timeout bounds the wait for it; the
         * stream then runs within {@code total_ms} (the SDKs' timeout is per read on a stream, not for the whole).
         */
        private void streamStarted() {
            cx.observer().streamStarted(ex);
            answer.tryComplete(Answer.stream(relay));
            long configured = settings.timeouts().totalMs();
            if (totalMs >= configured) return;
            if (totalTimer != null) totalTimer.cancel();
            totalMs = configured;
            totalTimer = timers.schedule(Math.max(1, totalMs - elapsedMs()), this::totalTimeout);
        }

        /** After the first byte: the error goes in-band, then the stream closes without its terminator. */
        private void inBand(ApiException e) {
            if (finished) return;
            finish();
            relay.endInBand(e);
        }

        private void totalTimeout() {
            totalTimer = null;
            if (finished) return;
            if (current != null) current.abandon();
            fail(UpstreamErrors.timeout(totalMs));
        }

        private void cancelledByCaller() {
            if (finished) return;
            finish();
            if (current != null) current.abandon();
            if (relay.started()) relay.cancelled();
            else answer.tryComplete(Answer.gone("cancelled"));
        }

        /** The gateway is stopping and its drain deadline came: an HTTP error, or in-band once streaming. */
        private void aborted(ApiException e) {
            if (finished) return;
            if (current != null) current.abandon();
            fail(e);
        }

        private void finish() {
            if (relay.started() && !finished) cx.observer().streamEnded(ex);
            finished = true;
            if (waitTimer != null) waitTimer.cancel();
            if (totalTimer != null) totalTimer.cancel();
        }
    }
}
