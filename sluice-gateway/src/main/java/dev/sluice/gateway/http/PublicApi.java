package dev.sluice.gateway.http;

import dev.sluice.gateway.access.TrustedProxies;
import dev.sluice.gateway.lifecycle.InFlightRequests;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Ending;
import dev.sluice.gateway.pipeline.Pipeline;
import dev.sluice.gateway.pipeline.StreamSink;
import dev.sluice.gateway.pipeline.StreamSource;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.gateway.usage.RequestObserver;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.RequestIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The one adapter between Vert.x and the pipelines: assigns the request id, puts the contract headers on every
 * answer, enforces the body limit, maps unknown routes (404) and methods (405), and turns any failure into the JSON
 * error contract — a fault it does not know becomes 500 internal_error with the request id and no details.
 */
public final class PublicApi {
    private static final Logger LOG = LoggerFactory.getLogger(PublicApi.class);
    /** Known paths and the methods they allow (the {@code allow} header of a 405), derived from {@link Endpoint}. */
    private static final Map<Pattern, String> KNOWN = knownRoutes();

    private final Vertx vertx;
    private final Map<Endpoint, Pipeline> pipelines;
    private final long maxBodyBytes;
    private final Consumer<Exchange> testFault;
    private final MeterRegistry metrics;
    private final TrustedProxies trustedProxies;
    private final InFlightRequests inFlight;
    private final RequestObserver observer;
    private final ClientMistakes mistakes;

    /**
     * @param testFault      called before each pipeline runs; tests use it to throw and prove the failure handler
     *                       leaks nothing. Production passes a no-op.
     * @param trustedProxies whose {@code X-Forwarded-For} names the client (config {@code trusted_proxies})
     * @param inFlight       counts requests until their end-of-request work is done, for the graceful drain
     * @param observer       told about every finished request (the admin console's traffic series, metrics)
     */
    public PublicApi(Vertx vertx, Map<Endpoint, Pipeline> pipelines, long maxBodyBytes, Consumer<Exchange> testFault,
                     MeterRegistry metrics, TrustedProxies trustedProxies, InFlightRequests inFlight,
                     RequestObserver observer) {
        this.observer = observer;
        this.inFlight = inFlight;
        this.trustedProxies = trustedProxies;
        this.mistakes = new ClientMistakes(metrics, 10, System::nanoTime);
        this.vertx = vertx;
        this.blockingRunner = work -> vertx.executeBlocking(work, false);
        this.metrics = metrics;
        FunctionCounter.builder("sluice_access_log_dropped", AccessLogWriter.class,
                c -> AccessLogWriter.dropped()).description("access lines dropped: the log output could not keep up")
                .register(metrics);
        metrics.gauge("sluice_access_log_pending", AccessLogWriter.class, c -> AccessLogWriter.pending());
        this.pipelines = pipelines;
        this.maxBodyBytes = maxBodyBytes;
        this.testFault = testFault;
    }

    private dev.sluice.gateway.observability.Tracing tracing;
    private double successSampleRatio = 1.0;
    private java.util.random.RandomGenerator sampling; // null: ThreadLocalRandom (several event loops)

    /** Makes every request a span continuing the caller's W3C trace context (its trace id goes in the access log). */
    public PublicApi tracing(dev.sluice.gateway.observability.Tracing t) {
        this.tracing = t;
        return this;
    }

    /** Writes only this share of successful requests' access lines (errors always), drawn from {@code random}. */
    public PublicApi accessLogSampling(double ratio, java.util.random.RandomGenerator random) {
        this.successSampleRatio = ratio;
        this.sampling = random;
        return this;
    }

    private AccessLogWriter accessLog; // null: the process-wide writer

    /**
     * Gives the access lines to {@code writer} instead of the process-wide one: the private request path of the
     * warm-up, which serves no caller, encodes its lines as the real path does and writes them nowhere.
     */
    public PublicApi accessLogTo(AccessLogWriter writer) {
        this.accessLog = writer;
        return this;
    }

    /**
     * One route takes every request: it begins it and dispatches a path without parameters itself, by the same rule
     * as a Vert.x route of that path would (the normalized path, an optional trailing slash, the method), so a
     * request costs one route, not one per route before its own. Paths with parameters, and what matches nothing,
     * go on to their routes as before, the scope with them.
     */
    public Router router() {
        Router router = Router.router(vertx);
        router.route().handler(this::dispatch);
        for (Endpoint e : Endpoint.values()) {
            if (StaticRoutes.hasParameters(e)) router.route(HttpMethod.valueOf(e.method()), e.route())
                    .handler(ctx -> run(ctx, ctx.get(RequestScope.KEY), e));
        }
        router.route().handler(this::unknownRoute);
        router.route().failureHandler(this::failure);
        return router;
    }

    private static final StaticRoutes STATIC_ROUTES = new StaticRoutes();

    private void dispatch(RoutingContext ctx) {
        RequestScope scope = new RequestScope(RequestIds.next(), System.nanoTime());
        try {
            begin(ctx, scope);
            // Bodies are read by the pipelines after the key is checked (RequestBody; uploads: FilesApi), never before.
            HttpServerRequest req = ctx.request();
            if (HttpMethod.POST.equals(req.method())) req.pause();
            Endpoint e = STATIC_ROUTES.find(req.method(), ctx.normalizedPath());
            if (e != null) {
                run(ctx, scope, e);
                return;
            }
        } catch (RuntimeException | Error failure) {
            ctx.put(RequestScope.KEY, scope); // the router answers it through the failure handler, which reads it
            throw failure;
        }
        ctx.put(RequestScope.KEY, scope);
        ctx.next();
    }

    // Constant values encoded once (names: ResponseHeaders).
    private static final CharSequence EVENT_STREAM =
            HttpHeaders.createOptimized("text/event-stream; charset=utf-8");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");

    private void begin(RoutingContext ctx, RequestScope scope) {
        scope.ticket = inFlight.enter(vertx.getOrCreateContext());
        HttpServerRequest req = ctx.request();
        HttpServerResponse res = ctx.response();
        // Draining: answer what arrives on an open connection, then close it (the listener takes no new ones).
        if (inFlight.draining()) res.putHeader("connection", "close");
        ConnectionGuard.requestId(req, scope.requestId);
        res.headersEndHandler(v -> {
            // A body left unread (refused before it was read) makes the connection unusable for another request.
            if (!req.isEnded() && req.version() != io.vertx.core.http.HttpVersion.HTTP_2) res.putHeader("connection", "close");
            res.putHeader(ResponseHeaders.REQUEST_ID, scope.requestId);
            res.putHeader(ResponseHeaders.OPENAI_VERSION, ResponseHeaders.OPENAI_VERSION_VALUE);
            scope.headersNanos = System.nanoTime() - scope.startNanos;
            res.putHeader(ResponseHeaders.PROCESSING_MS, String.valueOf(scope.headersNanos / 1_000_000));
            if (scope.exchange != null) ResponseHeaders.copy(scope.exchange.responseHeaders(), res.headers());
        });
        scope.method = req.method().name();
        scope.path = req.path();
        if (tracing != null) scope.trace = tracing.serverSpan(req.headers(), scope.method, scope.path);
        scope.client = trustedProxies.resolve(clientIp(req),
                trustedProxies.isEmpty() ? null : req.headers().getAll("x-forwarded-for"));
        scope.ip = scope.client.display();
        // Vert.x calls the end handler also when the connection closes first; 499 marks a caller that left.
        res.endHandler(v -> {
            if (res.ended()) socketEnded(scope, res.getStatusCode(), false);
            else socketEnded(scope, gone(scope, req), true);
        });
        res.closeHandler(v -> {
            if (!res.ended()) socketEnded(scope, gone(scope, req), true);
        });
    }

    /** 499 for a caller that left, or what the connection guard answered before closing (a timeout, a bad chunk). */
    private static int gone(RequestScope scope, HttpServerRequest req) {
        ApiException sent = ConnectionGuard.answered(req);
        if (sent == null) return 499;
        scope.errorCode = sent.error().code() != null ? sent.error().code() : sent.error().type();
        return sent.status();
    }

    /**
     * The response has ended, or the connection closed first (then the caller is gone: work still running for it is
     * cancelled). The request is settled once its pipeline's answer is known too.
     */
    private void socketEnded(RequestScope scope, int status, boolean callerGone) {
        if (scope.socketEnded) return;
        scope.socketEnded = true;
        scope.status = status;
        if (callerGone) scope.cancel.tryComplete();
        settle(scope);
    }

    /**
     * Once per request, when both its answer and its end on the socket are known: the access line, the metrics and
     * the trace, then the stages' end-of-request work (innermost first; the usage record is one of them), then the
     * request leaves the in-flight count.
     */
    private void settle(RequestScope scope) {
        if (scope.settled || !scope.socketEnded || scope.exchange != null && scope.answer == null) return;
        scope.settled = true;
        int status = scope.status;
        Exchange ex = scope.exchange;
        Ending ending = ending(scope, status);
        boolean streamFailed = ex != null && ex.stream() && status < 400 && ending.outcome() == Outcome.FAILED;
        if (status >= 400 || streamFailed || successSampleRatio >= 1.0
                || successSampleRatio > 0 && (sampling == null ? ThreadLocalRandom.current()
                : sampling).nextDouble() < successSampleRatio) {
            AccessLog.write(scope, scope.method, scope.path, status, scope.ip, accessLog);
        }
        requestCounter(scope.route == null ? "unmatched" : scope.route, status).increment();
        observe(scope, scope.method, status, ending);
        Future<Void> afterwards = scope.answer == null ? Future.succeededFuture() : scope.answer.ended(ending);
        afterwards.onComplete(ar -> scope.ticket.leave());
    }

    /** {@code sluice_requests} by route and status, each counter looked up in the registry once. */
    private final Map<String, Counter[]> requestCounters = new java.util.concurrent.ConcurrentHashMap<>();

    private Counter requestCounter(String route, int status) {
        Counter[] byStatus = requestCounters.computeIfAbsent(route, r -> new Counter[600]);
        if (status < 0 || status >= byStatus.length) {
            return metrics.counter("sluice_requests", "route", route, "status", String.valueOf(status));
        }
        Counter c = byStatus[status];
        if (c == null) { // a race registers the same meter twice: the registry returns the one it has
            c = metrics.counter("sluice_requests", "route", route, "status", String.valueOf(status));
            byStatus[status] = c;
        }
        return c;
    }

    /**
     * How the request ended: the status on the socket; the outcome the answer states (a stream's own, the caller
     * gone before an answer) or else what the status says; the answer's error code, else the one written.
     */
    private static Ending ending(RequestScope scope, int status) {
        Outcome byStatus = status == 499 ? Outcome.CANCELLED : status < 400 ? Outcome.COMPLETED : Outcome.FAILED;
        Outcome outcome = byStatus;
        String code = null;
        switch (scope.answer) {
            case Answer.Whole w -> outcome = w.status() < 400 ? Outcome.COMPLETED : Outcome.FAILED;
            case Answer.Download d -> outcome = Outcome.COMPLETED;
            case Answer.Stream s -> {
                StreamSource.Result r = s.source().outcome().result();
                if (r != null) {
                    outcome = r.outcome();
                    code = r.errorCode();
                }
            }
            case Answer.Gone g -> {
                outcome = Outcome.CANCELLED;
                code = g.errorCode();
            }
            case Answer.Failed f -> { }
            case null -> { }
        }
        scope.answerCode = code;
        return new Ending(status, outcome, code != null ? code : scope.errorCode);
    }

    private void observe(RequestScope scope, String method, int status, Ending ending) {
        Exchange ex = scope.exchange;
        String code = ending.errorCode();
        boolean stream = ex != null && ex.stream();
        dev.sluice.gateway.usage.FinishedRequest r = new dev.sluice.gateway.usage.FinishedRequest(method,
                scope.route == null ? "unmatched" : scope.route, ex == null ? null : ex.endpoint().name(),
                ex != null && ex.endpoint().modelRequest(), status, code, scope.errorType,
                System.nanoTime() - scope.startNanos, stream && status < 400 ? scope.headersNanos : -1,
                ex == null ? 0 : ex.promptTokens(), ex == null ? 0 : ex.completionTokens(),
                ex == null ? 0 : ex.attempts(), stream,
                stream && status < 400 && ending.outcome() == Outcome.FAILED,
                ex == null || ex.model() == null ? null : ex.modelId(), ex == null ? null : ex.provider(),
                ex == null ? null : ex.deployment(), ex == null ? null : ex.responseModel(),
                ex == null || ex.caller() == null ? null : ex.caller().projectId(),
                ex == null ? null : ex.refusedBy(), ex != null && ex.replay());
        observer.finished(r);
        if (scope.trace != null) endSpan(scope, r);
    }

    /** Ends the request's server span with the same attributes as its metrics. */
    private static void endSpan(RequestScope scope, dev.sluice.gateway.usage.FinishedRequest r) {
        io.opentelemetry.api.trace.Span span = io.opentelemetry.api.trace.Span.fromContext(scope.trace);
        if (span.isRecording()) {
            span.setAttribute("http.response.status_code", r.status());
            span.setAttribute("sluice.request_id", scope.requestId);
            if (r.model() != null) {
                span.setAttribute("gen_ai.operation.name",
                        dev.sluice.gateway.observability.GatewayMetrics.operationOf(r.endpoint()));
                span.setAttribute("gen_ai.request.model", r.model());
                span.setAttribute("gen_ai.usage.input_tokens", r.promptTokens());
                span.setAttribute("gen_ai.usage.output_tokens", r.completionTokens());
            }
            if (r.provider() != null) {
                span.setAttribute("gen_ai.provider.name",
                        dev.sluice.gateway.observability.GatewayMetrics.providerNameOf(r.provider()));
                span.setAttribute("gen_ai.response.model", r.responseModel());
            }
            if (r.status() >= 400 || r.streamFailed()) {
                dev.sluice.gateway.observability.Tracing.failed(span,
                        r.errorCode() != null ? r.errorCode() : String.valueOf(r.status()));
            }
        }
        span.end();
    }

    /** How an exchange runs blocking work (a worker thread, unordered): one function for every request. */
    private final java.util.function.Function<java.util.concurrent.Callable<?>, Future<?>> blockingRunner;

    private void run(RoutingContext ctx, RequestScope scope, Endpoint endpoint) {
        scope.route = endpoint.route();
        HttpServerRequest req = ctx.request();
        if (scope.trace != null) {
            io.opentelemetry.api.trace.Span span = io.opentelemetry.api.trace.Span.fromContext(scope.trace);
            span.updateName(req.method().name() + " " + scope.route);
            span.setAttribute(dev.sluice.gateway.observability.Tracing.ROUTE, scope.route);
        }
        Exchange ex = new Exchange(scope.requestId, scope.startNanos, endpoint, req.method().name(), req.path(),
                req.headers(), ctx.body() == null ? null : ctx.body().buffer(), scope.client.display(), req,
                blockingRunner, scope.cancel.future());
        ex.clientAddress(scope.client);
        if (scope.trace != null) ex.trace(scope.trace);
        scope.exchange = ex;
        scope.ticket.exchange(ex);
        try {
            testFault.accept(ex);
        } catch (RuntimeException fault) {
            answer(ctx, scope, Answer.failed(fault));
            return;
        }
        pipelines.get(endpoint).run(ex).onComplete(ar -> answer(ctx, scope,
                ar.succeeded() ? ar.result() : Answer.failed(ar.cause())));
    }

    /**
     * Hands the answer to {@link #answered}; one that may go through the failure handler (an error, a download whose
     * file fails, no answer) first leaves the scope on the routing context, where the failure handler reads it.
     */
    private void answer(RoutingContext ctx, RequestScope scope, Answer answer) {
        if (!(answer instanceof Answer.Whole) && !(answer instanceof Answer.Stream)) ctx.put(RequestScope.KEY, scope);
        answered(ctx, scope, answer);
    }

    /**
     * Writes the pipeline's answer: the one place where a public answer reaches the socket. An error answer goes
     * through the failure handler ({@link ErrorResponses}); nothing is written to a caller that has gone.
     */
    private void answered(RoutingContext ctx, RequestScope scope, Answer answer) {
        scope.answer = answer;
        HttpServerResponse res = ctx.response();
        if (scope.socketEnded || res.ended()) {
            settle(scope);
            return;
        }
        switch (answer) {
            case Answer.Whole w -> {
                status(res, w.status());
                if (w.contentType() != null) res.putHeader(HttpHeaders.CONTENT_TYPE, contentType(w.contentType()));
                res.end(w.body());
            }
            case Answer.Download d -> {
                res.setStatusCode(200);
                d.headers().forEach(res::putHeader);
                res.sendFile(d.path()).onFailure(err -> {
                    if (!res.ended() && !res.headWritten()) ctx.fail(err);
                });
            }
            case Answer.Stream s -> {
                status(res, 200);
                res.setChunked(true)
                        .putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM)
                        .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
                s.source().start(new SocketSink(ctx.request(), res));
            }
            case Answer.Failed f -> ctx.fail(f.error());
            case Answer.Gone g -> ctx.fail(new IllegalStateException("no answer for a caller that is still here"));
        }
    }

    /**
     * Sets the answer's status unless it is already that one (a new response is 200): setting it takes the
     * connection's lock and looks the status up again, for the same status object.
     */
    private static void status(HttpServerResponse res, int status) {
        if (res.getStatusCode() != status) res.setStatusCode(status);
    }

    /** The JSON content type in its encoded form (written in one copy), any other type as it is. */
    private static CharSequence contentType(String type) {
        return "application/json".equals(type) ? ResponseHeaders.APPLICATION_JSON : type;
    }

    /** A stream answer's events on the caller's socket, with its back-pressure. */
    private record SocketSink(HttpServerRequest req, HttpServerResponse res) implements StreamSink {
        @Override
        public void write(Buffer event) {
            res.write(event);
        }

        @Override
        public boolean full() {
            return res.writeQueueFull();
        }

        @Override
        public void onDrain(Runnable r) {
            res.drainHandler(v -> r.run());
        }

        @Override
        public void end(String last) {
            if (last == null) res.end();
            else res.end(last);
        }

        @Override
        public void abandon() {
            ConnectionGuard.cut(req);
        }
    }

    private void unknownRoute(RoutingContext ctx) {
        String path = ctx.request().path();
        String method = ctx.request().method().name();
        for (Map.Entry<Pattern, String> k : KNOWN.entrySet()) {
            if (k.getKey().matcher(path).matches()) {
                ctx.fail(ApiException.of(ErrorKind.METHOD_NOT_ALLOWED, "method", method, "path", path)
                        .withHeaders(Map.of("allow", k.getValue())));
                return;
            }
        }
        ctx.fail(ApiException.of(ErrorKind.UNKNOWN_URL, "method", method, "path", path));
    }

    private void failure(RoutingContext ctx) {
        RequestScope scope = ctx.get(RequestScope.KEY);
        String requestId = scope == null ? RequestIds.next() : scope.requestId;
        ApiException e = ErrorResponses.fromFailure(ctx, requestId, maxBodyBytes, mistakes);
        if (scope != null) scope.errorCode = e.error().code() != null ? e.error().code() : e.error().type();
        if (scope != null) scope.errorType = e.error().type();
        // A body left unread (an upload refused before it was read) makes the connection unusable for another request.
        if (!ctx.request().isEnded() && !ctx.response().headWritten()) ctx.response().putHeader("connection", "close");
        ErrorResponses.write(ctx.response(), e);
    }

    private static Map<Pattern, String> knownRoutes() {
        List<String> methodOrder = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
        Map<String, java.util.TreeSet<String>> byRoute = new java.util.LinkedHashMap<>();
        for (Endpoint e : Endpoint.values()) {
            byRoute.computeIfAbsent(e.route(), r -> new java.util.TreeSet<>(
                    java.util.Comparator.comparingInt(methodOrder::indexOf))).add(e.method());
        }
        Map<Pattern, String> known = new java.util.LinkedHashMap<>();
        byRoute.forEach((route, methods) ->
                known.put(Pattern.compile(route.replaceAll(":[a-z_]+", "[^/]+")), String.join(", ", methods)));
        return Map.copyOf(known);
    }

    /**
     * The peer's address, read from the connection: the server never believes {@code Forwarded} headers itself
     * ({@code trusted_proxies} decides), so the request's own {@code remoteAddress()} would only run Vert.x's
     * forwarded-header parser per request to give the same answer.
     */
    private static String clientIp(HttpServerRequest req) {
        io.vertx.core.http.HttpConnection connection = req.connection();
        String known = ConnectionGuard.peer(connection); // the text made once when the connection came in
        if (known != null) return known;
        io.vertx.core.net.SocketAddress a = connection != null ? connection.remoteAddress() : req.remoteAddress();
        return a == null ? null : a.hostAddress();
    }
}
