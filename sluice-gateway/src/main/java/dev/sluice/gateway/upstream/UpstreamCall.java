package dev.sluice.gateway.upstream;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The terminal stage: sends the request to the model's deployments and relays the answer. Until the first byte
 * reaches the caller, a failed attempt is retried (jittered backoff, the upstream's retry-after) or failed over to the
 * next deployment whose circuit is not open, within {@code max_attempts} and the total timeout; what is left is an
 * ordinary HTTP error mapped by the provider adapter. After the first byte, the in-band error event of
 * {@link StreamErrors}. All waits are event-loop timers; a caller that disconnects cancels the upstream request.
 */
public final class UpstreamCall implements Stage {
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final CharSequence JSON_TYPE = io.vertx.core.http.HttpHeaders.createOptimized("application/json");

    /**
     * Everything the stage needs, built once at start.
     *
     * @param baseUrls the {@code .../v1} base of each deployment (the embedded simulator's for sim without base_url)
     * @param env      where {@code api_key_env} credentials are read
     * @param clock    the breakers' clock and retry-after dates
     * @param random   jitter and weighted deployment choice
     */
    public record Settings(SluiceConfig.Timeouts timeouts, RetryPolicy retries, SluiceConfig.Breaker breaker,
                           Function<Deployment, String> baseUrls, Map<String, String> env, Clock clock,
                           RandomGenerator random) {}

    private final Vertx vertx;
    private final UpstreamClients http;
    private final Settings settings;
    private final SluiceConfig.Timeouts timeouts;
    private final RetryPolicy retries;
    private final CircuitBreakers breakers;
    private final DeploymentSelector selector;
    private final RetryBudgets budgets;
    private final RetryHint hint;
    private final CallerDeadline deadline;

    public UpstreamCall(Vertx vertx, UpstreamClients http, Settings settings, RetryProtection protection) {
        this.vertx = vertx;
        this.http = http;
        this.settings = settings;
        this.timeouts = settings.timeouts();
        this.retries = settings.retries();
        this.breakers = new CircuitBreakers(settings.breaker(), settings.clock());
        this.selector = new DeploymentSelector(settings.random());
        this.budgets = new RetryBudgets(protection.budget(), settings.clock());
        this.hint = RetryHint.of(protection.hints());
        this.deadline = CallerDeadline.of(protection.deadlines());
    }

    private UpstreamObserver observer = UpstreamObserver.NONE;

    /** Tells {@code o} about every attempt and stream (metrics, traces); set once at start. */
    public UpstreamCall observe(UpstreamObserver o) {
        this.observer = o;
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
    public Future<Void> apply(Exchange ex, Chain next) {
        return new Call(ex).start();
    }

    /** One client request: the attempts it makes across deployments and the relay of the one that answers. */
    private final class Call {
        private final Exchange ex;
        private final HttpServerResponse out;
        private final Promise<Void> done = Promise.promise();
        private final List<Deployment> plan;
        private final CircuitBreaker[] circuit;
        private final long[] notBefore;
        private final int[] failures;
        private final boolean[] excluded;
        private final RetryBudget[] budget;
        private final boolean[] tried;
        private long totalMs;
        private final long startNanos = System.nanoTime();
        private Attempt current;
        private Failure lastFailure;
        private int attempts;
        private int last = -1;
        private long waitTimer = -1, totalTimer = -1;
        private boolean started, finished, usageSeen;
        private int sequence;

        Call(Exchange ex) {
            this.ex = ex;
            this.out = ex.response();
            this.plan = selector.order(ex.model().deployments());
            this.circuit = new CircuitBreaker[plan.size()];
            for (int i = 0; i < plan.size(); i++) circuit[i] = breakers.of(ex.modelId(), plan.get(i));
            this.notBefore = new long[plan.size()];
            Arrays.fill(notBefore, Long.MIN_VALUE);
            this.failures = new int[plan.size()];
            this.excluded = new boolean[plan.size()];
            this.budget = new RetryBudget[plan.size()];
            for (int i = 0; i < plan.size(); i++) budget[i] = budgets.of(ex.modelId(), plan.get(i));
            this.tried = new boolean[plan.size()];
        }

        Future<Void> start() {
            ex.attempts(0);
            ex.responseHeaders().set(Headers.SLUICE_ATTEMPTS, "0");
            totalMs = deadline.totalMs(timeouts.totalMs(), ex::header);
            totalTimer = vertx.setTimer(totalMs, t -> totalTimeout());
            ex.onCallerGone(this::cancelledByCaller);
            ex.onAbort(this::aborted);
            next();
            return done.future();
        }

        /** Starts the next attempt, after a wait if every candidate is still backing off; or gives up. */
        private void next() {
            if (finished) return;
            if (attempts >= retries.maxAttempts()) {
                giveUp();
                return;
            }
            int pick = choose();
            if (pick < 0) {
                giveUp();
                return;
            }
            long waitMs = notBefore[pick] == Long.MIN_VALUE ? 0
                    : Math.max(0, (notBefore[pick] - System.nanoTime() + 999_999) / 1_000_000);
            if (waitMs <= 0) {
                launch(pick);
                return;
            }
            long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
            if (elapsedMs + waitMs >= totalMs) {
                giveUp(); // the wait alone would outlast the total timeout
                return;
            }
            waitTimer = vertx.setTimer(waitMs, t -> {
                waitTimer = -1;
                launch(pick);
            });
        }

        /**
         * The deployment to try next: in plan order after the last one tried (so a failure moves to the next
         * deployment first), skipping excluded ones and open circuits, preferring whichever may go soonest.
         */
        private int choose() {
            int n = plan.size();
            int best = -1;
            for (int k = 0; k < n; k++) {
                int i = (last + 1 + k) % n;
                if (excluded[i] || !circuit[i].wouldAllow()) continue;
                if (best < 0 || notBefore[i] < notBefore[best]) best = i;
            }
            return best;
        }

        private void launch(int i) {
            if (finished) return;
            if (!circuit[i].tryAcquire()) { // opened, or another request holds the half-open probe
                excluded[i] = true;
                next();
                return;
            }
            if (!admitted(i)) { // this deployment's retry budget is spent
                circuit[i].onNeutral();
                excluded[i] = true;
                next();
                return;
            }
            last = i;
            attempts++;
            ex.attempts(attempts);
            ex.responseHeaders().set(Headers.SLUICE_ATTEMPTS, String.valueOf(attempts));
            current = new Attempt(this, plan.get(i), i, attempts);
            current.start();
        }

        /** A request's first attempt on a deployment is a request there; a further one needs its retry budget. */
        private boolean admitted(int i) {
            if (tried[i]) {
                boolean ok = budget[i].tryRetry();
                if (!ok) observer.retryRefused(ex, plan.get(i));
                return ok;
            }
            tried[i] = true;
            budget[i].onRequest();
            return true;
        }

        /** Until the soonest circuit of the plan may probe, when every one is open; else -1. */
        private long circuitWaitMs() {
            long soonest = Long.MAX_VALUE;
            for (CircuitBreaker c : circuit) {
                long ms = c.remainingOpenMs();
                if (ms <= 0) return -1;
                soonest = Math.min(soonest, ms);
            }
            return soonest == Long.MAX_VALUE ? -1 : soonest;
        }

        /** An attempt failed before anything reached the caller. */
        void failed(Attempt a, Failure f) {
            if (current == a) current = null;
            a.verdict(f.health());
            if (finished) return;
            lastFailure = f;
            int i = a.index;
            switch (f.next()) {
                case STOP -> fail(f.error());
                case OTHER_DEPLOYMENT -> {
                    excluded[i] = true;
                    next();
                }
                case RETRY -> {
                    long delay = retries.backoffMs(failures[i]++, settings.random());
                    if (f.retryAfterMs() > retries.maxRetryAfterMs()) excluded[i] = true; // longer than we wait
                    else if (f.retryAfterMs() > delay) delay = f.retryAfterMs();
                    notBefore[i] = System.nanoTime() + delay * 1_000_000;
                    next();
                }
            }
        }

        private void giveUp() {
            fail(lastFailure != null ? lastFailure.error() : UpstreamErrors.unreachable(ex.modelId()));
        }

        /** Before the first byte: the error becomes the HTTP answer. After it: the in-band error event. */
        private void fail(ApiException e) {
            if (finished) return;
            if (started) {
                inBand(e);
                return;
            }
            finish();
            ex.errorCode(e.error().code());
            done.tryFail(hint.applyTo(e, lastFailure == null ? -1 : lastFailure.retryAfterMs(), circuitWaitMs()));
        }

        void deliverJson(Attempt a, Buffer body, JsonNode root) {
            if (finished) return;
            a.verdict(Failure.Health.ALIVE);
            finish();
            JsonNode usage = root.get("usage");
            if (usage != null && usage.isObject()) {
                ex.completionTokens(usage.path("completion_tokens").asInt(usage.path("output_tokens").asInt(0)));
                int prompt = usage.path("prompt_tokens").asInt(usage.path("input_tokens").asInt(-1));
                if (prompt >= 0) ex.promptTokens(prompt);
            }
            a.ended(true, null); // with the tokens, before the answer ends (the access line reads what it recorded)
            ex.outcome(Outcome.COMPLETED);
            ex.answerBody(body);
            out.setStatusCode(200).putHeader(io.vertx.core.http.HttpHeaders.CONTENT_TYPE, JSON_TYPE);
            // e.g. the Idempotency-Key record is stored first, so a retry right after this answer finds it
            ex.answerReady().onComplete(r -> out.end(body).onComplete(v -> done.tryComplete()));
        }

        void streamCompleted(Attempt a) {
            if (finished) return;
            a.verdict(Failure.Health.ALIVE);
            finish();
            ex.outcome(Outcome.COMPLETED);
            out.end().onComplete(x -> done.tryComplete());
        }

        /** The stream broke after it started: the deployment failed, the caller gets the in-band error. */
        void brokenMidStream(Attempt a, ApiException e) {
            a.verdict(Failure.Health.FAILURE);
            inBand(e);
        }

        void write(String event) {
            if (!started) {
                started = true;
                observer.streamStarted(ex);
                streamStarted();
                out.setStatusCode(200).setChunked(true)
                        .putHeader("content-type", "text/event-stream; charset=utf-8")
                        .putHeader("cache-control", "no-cache");
            }
            if (ex.endpoint() == Endpoint.RESPONSES) sequence++;
            out.write(event);
        }

        /**
         * A caller's declared timeout bounds the wait for the first event; the stream then runs within
         * {@code total_ms} (the SDKs' timeout is per read on a stream, not for the whole of it).
         */
        private void streamStarted() {
            if (totalMs >= timeouts.totalMs()) return;
            if (totalTimer >= 0) vertx.cancelTimer(totalTimer);
            totalMs = timeouts.totalMs();
            long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
            totalTimer = vertx.setTimer(Math.max(1, totalMs - elapsedMs), t -> totalTimeout());
        }

        /** After the first byte: the error goes in-band, then the stream closes without its terminator. */
        private void inBand(ApiException e) {
            if (finished) return;
            finish();
            ex.errorCode(e.error().code());
            ex.outcome(Outcome.FAILED);
            ApiError err = e.error().withRequestId(ex.requestId());
            String event = ex.endpoint() == Endpoint.RESPONSES
                    ? StreamErrors.responses(err, sequence, "resp_" + ex.requestId().substring(4), ex.modelId())
                    : StreamErrors.chat(err);
            out.end(event).onComplete(v -> done.tryComplete());
        }

        private void totalTimeout() {
            totalTimer = -1;
            if (finished) return;
            if (current != null) current.abandon();
            fail(UpstreamErrors.timeout(totalMs));
        }

        private void cancelledByCaller() {
            if (finished) return;
            finish();
            if (current != null) current.abandon();
            ex.errorCode("cancelled");
            ex.outcome(Outcome.CANCELLED);
            done.tryComplete();
        }

        /** The gateway is stopping and its drain deadline came: an HTTP error, or in-band once streaming. */
        private void aborted(ApiException e) {
            if (finished) return;
            if (current != null) current.abandon();
            fail(e);
        }

        private void finish() {
            if (started && !finished) observer.streamEnded(ex);
            finished = true;
            if (waitTimer >= 0) vertx.cancelTimer(waitTimer);
            if (totalTimer >= 0) vertx.cancelTimer(totalTimer);
        }

        /** The provider's own token counts for the stream (a translated provider's usage event). */
        void usageReported(StreamTranslator.Usage u) {
            if (u.promptTokens() >= 0) ex.promptTokens(u.promptTokens());
            if (u.completionTokens() >= 0) {
                usageSeen = true;
                ex.completionTokens(u.completionTokens());
            }
        }

        /**
         * Tracks output delivered so far: the upstream's usage when it sends one (chat include_usage, Responses
         * completed), otherwise one token per content delta, which is what the simulator and OpenAI stream.
         */
        void countDelivered(SseEvent ev) {
            String data = ev.data();
            if (data == null || ev.isDone()) return;
            if (data.contains("\"usage\"") && (data.contains("completion_tokens") || data.contains("output_tokens"))) {
                try {
                    JsonNode n = JSON.readTree(data);
                    JsonNode usage = n.has("usage") ? n.get("usage") : n.path("response").path("usage");
                    if (usage.isObject()) {
                        usageSeen = true;
                        ex.completionTokens(usage.path("completion_tokens").asInt(usage.path("output_tokens").asInt(0)));
                        return;
                    }
                } catch (Exception ignored) {
                    // not JSON: counted below like any delta
                }
            }
            if (!usageSeen && (data.contains("\"content\":\"") && !data.contains("\"content\":\"\"")
                    || "response.output_text.delta".equals(ev.event()))) {
                ex.completionTokens(ex.completionTokens() + 1);
            }
        }
    }

    /** One upstream HTTP exchange of a {@link Call}; reports back to it and never writes errors itself. */
    private final class Attempt {
        private final Call call;
        private final Exchange ex;
        private final Deployment deployment;
        private final int index;
        private final ProviderAdapter adapter;
        private final CircuitBreaker breaker;
        private final ProviderAdapter.Target target;
        private HttpClientRequest request;
        private long firstByteTimer = -1, idleTimer = -1;
        private boolean over, judged;
        private final int number;
        private UpstreamObserver.AttemptEnd end = UpstreamObserver.AttemptEnd.NONE;

        Attempt(Call call, Deployment deployment, int index, int number) {
            this.number = number;
            this.call = call;
            this.ex = call.ex;
            this.deployment = deployment;
            this.index = index;
            this.adapter = ProviderAdapters.of(deployment.provider());
            this.breaker = call.circuit[index];
            this.target = new ProviderAdapter.Target(deployment, settings.baseUrls().apply(deployment), settings.env(),
                    settings.clock());
        }

        void start() {
            ProviderAdapter.Request r;
            try {
                r = adapter.request(target, ex);
            } catch (ApiException cannotServe) {
                fail(Failure.otherDeployment(cannotServe, Failure.Health.NEUTRAL));
                return;
            }
            // The wait for a pooled connection has its own bound (upstream_pool.wait_ms); first_byte_ms starts after it.
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.valueOf(r.method())).setAbsoluteURI(r.url())
                    .setConnectTimeout(http.acquireTimeoutMs());
            r.headers().forEach(ro::putHeader);
            HttpClient client = http.of(deployment, target.baseUrl(),
                    deployment.baseUrl() == null && "sim".equals(deployment.provider()));
            end = observer.attempt(ex, deployment, r.url(), number, ro::putHeader);
            client.request(ro).onComplete(ar -> {
                if (over) {
                    if (ar.succeeded()) ar.result().reset();
                    return;
                }
                if (ar.failed()) {
                    if (UpstreamClients.poolExhausted(ar.cause())) { // a local limit: another deployment may have room
                        fail(Failure.otherDeployment(http.refused(ex.modelId(), deployment), Failure.Health.NEUTRAL));
                    } else {
                        fail(Failure.transport(connectFailure(ar.cause())));
                    }
                    return;
                }
                request = ar.result();
                firstByteTimer = vertx.setTimer(timeouts.firstByteMs(),
                        t -> fail(Failure.silent(UpstreamErrors.timeout(timeouts.firstByteMs()))));
                request.send(r.body()).onComplete(resp -> {
                    cancelTimer(firstByteTimer);
                    if (over) return;
                    if (resp.failed()) fail(Failure.transport(connectFailure(resp.cause())));
                    else onResponse(resp.result());
                });
            });
        }

        /** Tells the breaker what this attempt showed, once; faults the caller asked for show nothing. */
        void verdict(Failure.Health health) {
            if (judged) return;
            judged = true;
            Failure.Health h = adapter.healthSignal(ex) ? health : Failure.Health.NEUTRAL;
            switch (h) {
                case FAILURE -> breaker.onFailure();
                case ALIVE -> breaker.onSuccess();
                case NEUTRAL -> breaker.onNeutral();
                case TRIPPED -> breaker.trip();
            }
        }

        /** Reports the attempt's end once (metrics, span). */
        private void ended(boolean ok, String code) {
            UpstreamObserver.AttemptEnd e = end;
            end = UpstreamObserver.AttemptEnd.NONE;
            e.ended(ok, code);
        }

        /** The call no longer wants this attempt (caller gone, total timeout): stop it and say nothing of health. */
        void abandon() {
            ended(false, "cancelled");
            stop();
            verdict(Failure.Health.NEUTRAL);
        }

        private void stop() {
            over = true;
            cancelTimer(firstByteTimer);
            cancelTimer(idleTimer);
            if (request != null) request.reset();
        }

        private void fail(Failure f) {
            if (over) return;
            ended(false, f.error().error().code() != null ? f.error().error().code() : f.error().error().type());
            stop();
            call.failed(this, f);
        }

        private void cancelTimer(long id) {
            if (id >= 0) vertx.cancelTimer(id);
        }

        private void onResponse(HttpClientResponse resp) {
            String upstreamId = adapter.requestId(resp.headers());
            if (upstreamId != null) {
                ex.responseHeaders().set(Headers.UPSTREAM_REQUEST_ID, upstreamId);
                ex.upstreamRequestId(upstreamId);
            }
            adapter.limits(resp.headers(), settings.clock()).applyTighter(ex.responseHeaders());
            int status = resp.statusCode();
            if (status != 200 || !ex.stream()) {
                resp.body().onComplete(b -> {
                    if (over) return;
                    if (b.failed()) {
                        fail(Failure.transport(ApiException.of(ErrorKind.BAD_GATEWAY)));
                    } else if (status >= 200 && status < 300) {
                        answered(b.result());
                    } else {
                        fail(adapter.failure(target, ex, status, resp.headers(),
                                b.result().toString(StandardCharsets.UTF_8)));
                    }
                });
                return;
            }
            relayStream(resp);
        }

        private void answered(Buffer body) {
            switch (adapter.translateResponse(target, ex, body)) {
                case ProviderAdapter.Answer.Failed f -> fail(f.failure());
                case ProviderAdapter.Answer.Ok ok -> {
                    over = true;
                    call.deliverJson(this, ok.body(), ok.root());
                }
            }
        }

        private void relayStream(HttpClientResponse resp) {
            StreamTranslator translator = adapter.streamTranslator(target, ex);
            boolean[] terminated = {false};
            touchIdle();
            resp.handler(buf -> {
                if (over) return;
                touchIdle();
                for (StreamTranslator.Item item : translator.feed(buf)) {
                    if (over) return;
                    if (!relay(item, terminated)) return;
                    HttpServerResponse out = call.out;
                    if (out.writeQueueFull()) {
                        resp.pause();
                        out.drainHandler(v -> resp.resume());
                    }
                }
            });
            resp.exceptionHandler(err -> broken(Failure.transport(ApiException.of(ErrorKind.BAD_GATEWAY))));
            resp.endHandler(v -> {
                if (over) return;
                for (StreamTranslator.Item item : translator.end()) {
                    if (over || !relay(item, terminated)) return;
                }
                if (!terminated[0]) {
                    broken(Failure.garbage());
                    return;
                }
                over = true;
                cancelTimer(idleTimer);
                ended(true, null); // before the answer ends: the access line reads what it recorded
                call.streamCompleted(this);
            });
        }

        /** The stream failed: before its first event the call may retry; after it, the caller gets it in-band. */
        private void broken(Failure f) {
            if (over) return;
            if (!call.started) {
                fail(f);
                return;
            }
            ended(false, f.error().error().code());
            stop();
            call.brokenMidStream(this, f.error());
        }

        /** Relays one translated piece of the stream; false when it ended the attempt (an error). */
        private boolean relay(StreamTranslator.Item item, boolean[] terminated) {
            switch (item) {
                case StreamTranslator.Error e -> {
                    broken(e.failure());
                    return false;
                }
                case StreamTranslator.Usage u -> call.usageReported(u);
                case StreamTranslator.Event e -> {
                    SseEvent ev = e.event();
                    StreamEventCheck check = StreamEventCheck.of(ex.endpoint(), ev);
                    if (check == StreamEventCheck.SKIP) return true;
                    if (check != StreamEventCheck.RELAY) { // the upstream's error, or junk: never relayed
                        broken(Failure.garbage());
                        return false;
                    }
                    call.write(ev.encode());
                    call.countDelivered(ev);
                    if (ev.isDone() || "response.completed".equals(ev.event())
                            || "response.incomplete".equals(ev.event())) terminated[0] = true;
                }
            }
            return true;
        }

        private void touchIdle() {
            cancelTimer(idleTimer);
            idleTimer = vertx.setTimer(timeouts.idleMs(),
                    t -> broken(Failure.silent(UpstreamErrors.timeout(timeouts.idleMs()))));
        }

        private ApiException connectFailure(Throwable t) {
            if (t instanceof ConnectException || t.getCause() instanceof ConnectException) {
                return UpstreamErrors.unreachable(ex.modelId());
            }
            String name = t.getClass().getSimpleName();
            if (name.contains("Timeout")) return UpstreamErrors.timeout(timeouts.connectMs());
            return ApiException.of(ErrorKind.BAD_GATEWAY);
        }
    }
}
