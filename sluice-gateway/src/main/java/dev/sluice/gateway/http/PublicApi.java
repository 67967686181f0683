package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Pipeline;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.RequestIds;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
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
    private final io.micrometer.core.instrument.MeterRegistry metrics;
    private final dev.sluice.gateway.usage.UsageSink usage;
    private final dev.sluice.gateway.access.TrustedProxies trustedProxies;
    private final dev.sluice.gateway.lifecycle.InFlightRequests inFlight;
    private final dev.sluice.gateway.usage.RequestObserver observer;
    private final ClientMistakes mistakes;

    /**
     * @param testFault      called before each pipeline runs; tests use it to throw and prove the failure handler
     *                       leaks nothing. Production passes a no-op.
     * @param trustedProxies whose {@code X-Forwarded-For} names the client (config {@code trusted_proxies})
     * @param inFlight       counts requests until their usage is recorded, for the graceful drain
     * @param observer       told about every finished request (the admin console's traffic series)
     */
    public PublicApi(Vertx vertx, Map<Endpoint, Pipeline> pipelines, long maxBodyBytes, Consumer<Exchange> testFault,
                     io.micrometer.core.instrument.MeterRegistry metrics, dev.sluice.gateway.usage.UsageSink usage,
                     dev.sluice.gateway.access.TrustedProxies trustedProxies,
                     dev.sluice.gateway.lifecycle.InFlightRequests inFlight,
                     dev.sluice.gateway.usage.RequestObserver observer) {
        this.observer = observer;
        this.inFlight = inFlight;
        this.trustedProxies = trustedProxies;
        this.mistakes = new ClientMistakes(metrics, 10, System::nanoTime);
        this.usage = usage;
        this.vertx = vertx;
        this.metrics = metrics;
        io.micrometer.core.instrument.FunctionCounter.builder("sluice_access_log_dropped", AccessLogWriter.class,
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

    public Router router() {
        Router router = Router.router(vertx);
        router.route().handler(this::begin);
        // Bodies are read by the pipelines after the key is checked (RequestBody; uploads: FilesApi), never before.
        router.route().method(HttpMethod.POST).handler(ctx -> {
            ctx.request().pause();
            ctx.next();
        });
        for (Endpoint e : Endpoint.values()) {
            HttpMethod m = HttpMethod.valueOf(e.method());
            router.route(m, e.route()).handler(ctx -> run(ctx, e));
        }
        router.route().handler(this::unknownRoute);
        router.route().failureHandler(this::failure);
        return router;
    }

    // Header names and constant values encoded once (no per-response validation or encoding of them).
    private static final CharSequence H_REQUEST_ID = io.vertx.core.http.HttpHeaders.createOptimized(Headers.REQUEST_ID);
    private static final CharSequence H_OPENAI_VERSION =
            io.vertx.core.http.HttpHeaders.createOptimized(Headers.OPENAI_VERSION);
    private static final CharSequence V_OPENAI_VERSION =
            io.vertx.core.http.HttpHeaders.createOptimized(Headers.OPENAI_VERSION_VALUE);
    private static final CharSequence H_PROCESSING_MS =
            io.vertx.core.http.HttpHeaders.createOptimized(Headers.PROCESSING_MS);

    private void begin(RoutingContext ctx) {
        RequestScope scope = new RequestScope(RequestIds.next(), System.nanoTime());
        ctx.put(RequestScope.KEY, scope);
        scope.ticket = inFlight.enter(vertx.getOrCreateContext());
        HttpServerRequest req = ctx.request();
        HttpServerResponse res = ctx.response();
        // Draining: answer what arrives on an open connection, then close it (the listener takes no new ones).
        if (inFlight.draining()) res.putHeader("connection", "close");
        ConnectionGuard.requestId(req, scope.requestId);
        res.headersEndHandler(v -> {
            // A body left unread (refused before it was read) makes the connection unusable for another request.
            if (!req.isEnded() && req.version() != io.vertx.core.http.HttpVersion.HTTP_2) res.putHeader("connection", "close");
            res.putHeader(H_REQUEST_ID, scope.requestId);
            res.putHeader(H_OPENAI_VERSION, V_OPENAI_VERSION);
            scope.headersNanos = System.nanoTime() - scope.startNanos;
            res.putHeader(H_PROCESSING_MS, String.valueOf(scope.headersNanos / 1_000_000));
            if (scope.exchange != null) {
                scope.exchange.responseHeaders().forEach(h -> res.headers().set(h.getKey(), h.getValue()));
            }
        });
        String method = req.method().name();
        String path = req.path();
        if (tracing != null) scope.trace = tracing.serverSpan(req.headers(), method, path);
        scope.client = trustedProxies.resolve(clientIp(req), req.headers().getAll("x-forwarded-for"));
        String ip = scope.client.display();
        // Vert.x calls the end handler also when the connection closes first; 499 marks a caller that left.
        res.endHandler(v -> finished(scope, method, path, res.ended() ? res.getStatusCode() : gone(scope, req), ip));
        res.closeHandler(v -> {
            if (!res.ended()) finished(scope, method, path, gone(scope, req), ip);
        });
        ctx.next();
    }

    /** 499 for a caller that left, or what the connection guard answered before closing (a timeout, a bad chunk). */
    private static int gone(RequestScope scope, HttpServerRequest req) {
        dev.sluice.gateway.pipeline.ApiException sent = ConnectionGuard.answered(req);
        if (sent == null) return 499;
        if (scope.exchange != null) scope.exchange.callerGone();
        scope.errorCode = sent.error().code() != null ? sent.error().code() : sent.error().type();
        return sent.status();
    }

    /** Once per request, however it ended: the access line, the metric and the usage record. */
    private void finished(RequestScope scope, String method, String path, int status, String ip) {
        if (scope.finished) return;
        scope.finished = true;
        if (status == 499 && scope.exchange != null) scope.exchange.callerGone();
        boolean streamFailed = scope.exchange != null && scope.exchange.stream() && status < 400
                && scope.exchange.outcome() == dev.sluice.gateway.usage.Outcome.FAILED;
        if (status >= 400 || streamFailed || successSampleRatio >= 1.0
                || successSampleRatio > 0 && (sampling == null ? java.util.concurrent.ThreadLocalRandom.current()
                : sampling).nextDouble() < successSampleRatio) {
            AccessLog.write(scope, method, path, status, ip);
        }
        metrics.counter("sluice_requests", "route", scope.route == null ? "unmatched" : scope.route,
                "status", String.valueOf(status)).increment();
        Exchange ex = scope.exchange;
        observe(scope, method, status);
        if (ex == null || ex.caller() == null || !ex.endpoint().modelRequest() || ex.modelId() == null
                || ex.replay()) { // a replay: the original request already has its record
            scope.ticket.leave();
            return;
        }
        dev.sluice.gateway.usage.Outcome outcome = ex.outcome() != null ? ex.outcome()
                : status == 499 ? dev.sluice.gateway.usage.Outcome.CANCELLED
                : status < 400 ? dev.sluice.gateway.usage.Outcome.COMPLETED : dev.sluice.gateway.usage.Outcome.FAILED;
        String code = ex.errorCode() != null ? ex.errorCode() : scope.errorCode;
        dev.sluice.gateway.usage.UsageRecord record = new dev.sluice.gateway.usage.UsageRecord(ex.requestId(),
                java.time.Instant.now(), ex.caller().orgId(), ex.caller().projectId(), ex.caller().keyId(),
                ex.modelId(), ex.endpoint().route(), ex.promptTokens(), ex.completionTokens(), outcome, code, status,
                ex.upstreamRequestId(), ex.attempts(), ex.stream());
        // Stages' end-of-request work (limit corrections, admission release) first, then the ledger.
        ex.finished(record).onComplete(ar -> {
            try {
                usage.record(record);
            } finally {
                scope.ticket.leave();
            }
        });
    }

    private void observe(RequestScope scope, String method, int status) {
        Exchange ex = scope.exchange;
        String code = ex != null && ex.errorCode() != null ? ex.errorCode() : scope.errorCode;
        boolean stream = ex != null && ex.stream();
        dev.sluice.gateway.usage.FinishedRequest r = new dev.sluice.gateway.usage.FinishedRequest(method,
                scope.route == null ? "unmatched" : scope.route, ex == null ? null : ex.endpoint().name(),
                ex != null && ex.endpoint().modelRequest(), status, code, scope.errorType,
                System.nanoTime() - scope.startNanos, stream && status < 400 ? scope.headersNanos : -1,
                ex == null ? 0 : ex.promptTokens(), ex == null ? 0 : ex.completionTokens(),
                ex == null ? 0 : ex.attempts(), stream,
                stream && status < 400 && ex.outcome() == dev.sluice.gateway.usage.Outcome.FAILED,
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

    private void run(RoutingContext ctx, Endpoint endpoint) {
        RequestScope scope = ctx.get(RequestScope.KEY);
        scope.route = endpoint.route();
        HttpServerRequest req = ctx.request();
        if (scope.trace != null) {
            io.opentelemetry.api.trace.Span span = io.opentelemetry.api.trace.Span.fromContext(scope.trace);
            span.updateName(req.method().name() + " " + scope.route);
            span.setAttribute(dev.sluice.gateway.observability.Tracing.ROUTE, scope.route);
        }
        Exchange ex = new Exchange(scope.requestId, scope.startNanos, endpoint, req.method().name(), req.path(),
                req.headers(), ctx.body() == null ? null : ctx.body().buffer(), scope.client.display(),
                work -> vertx.executeBlocking(work, false));
        ex.clientAddress(scope.client);
        if (scope.trace != null) ex.trace(scope.trace);
        ex.response(ctx.response());
        ex.request(req);
        scope.exchange = ex;
        scope.ticket.exchange(ex);
        try {
            testFault.accept(ex);
        } catch (RuntimeException fault) {
            ctx.fail(fault);
            return;
        }
        pipelines.get(endpoint).run(ex).onFailure(err -> {
            if (ctx.response().ended()) return;
            ctx.fail(err);
        });
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

    private static String clientIp(HttpServerRequest req) {
        return req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    }
}
