package dev.sluice.gateway.http;

import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.KeyMask;
import dev.sluice.protocol.RequestIds;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The operations port: health checks and Prometheus metrics without credentials; everything under {@code /v1/}
 * needs {@code Authorization: Bearer <admin token>} and speaks the same error contract as the public API.
 * Endpoint groups plug in as {@link AdminRoutes}.
 */
public final class AdminApi {
    private static final long MAX_BODY = 1024 * 1024;
    private final Vertx vertx;
    private final PrometheusMeterRegistry metrics;
    private final String adminToken;
    private final List<AdminRoutes> groups;
    private final java.util.function.BooleanSupplier draining;
    private final String metricsToken;
    private final java.util.function.Supplier<io.vertx.core.json.JsonObject> notReady;

    /**
     * @param draining     true once the gateway is stopping: {@code /health/ready} then answers 503 "draining"
     * @param metricsToken when set, {@code /metrics} needs {@code Authorization: Bearer <it>}; health stays open
     */
    public AdminApi(Vertx vertx, PrometheusMeterRegistry metrics, String adminToken, List<AdminRoutes> groups,
                    java.util.function.BooleanSupplier draining, String metricsToken) {
        this(vertx, metrics, adminToken, groups, draining, metricsToken, () -> null);
    }

    /** @param notReady why the gateway is not ready yet (the warm-up's JSON), or null once it is */
    public AdminApi(Vertx vertx, PrometheusMeterRegistry metrics, String adminToken, List<AdminRoutes> groups,
                    java.util.function.BooleanSupplier draining, String metricsToken,
                    java.util.function.Supplier<io.vertx.core.json.JsonObject> notReady) {
        this.notReady = notReady;
        this.draining = draining;
        this.metricsToken = metricsToken;
        this.vertx = vertx;
        this.metrics = metrics;
        this.adminToken = adminToken;
        this.groups = List.copyOf(groups);
    }

    public Router router() {
        Router r = Router.router(vertx);
        r.route().handler(ctx -> {
            String id = RequestIds.next();
            long start = System.nanoTime();
            ctx.put("request_id", id);
            ctx.response().headersEndHandler(v -> {
                ctx.response().putHeader(Headers.REQUEST_ID, id);
                ctx.response().putHeader(Headers.PROCESSING_MS, String.valueOf((System.nanoTime() - start) / 1_000_000));
                ctx.response().putHeader(Headers.OPENAI_VERSION, Headers.OPENAI_VERSION_VALUE);
            });
            ctx.next();
        });
        r.get("/health/live").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .end("{\"status\":\"ok\"}"));
        r.get("/health/ready").handler(ctx -> {
            boolean stopping = draining.getAsBoolean();
            io.vertx.core.json.JsonObject warming = stopping ? null : notReady.get();
            ctx.response().setStatusCode(stopping || warming != null ? 503 : 200)
                    .putHeader("content-type", "application/json")
                    .end(stopping ? "{\"status\":\"draining\"}" : warming != null ? warming.encode()
                            : "{\"status\":\"ready\"}");
        });
        if (metricsToken != null) r.get("/metrics").handler(ctx -> checkToken(ctx, metricsToken));
        r.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(scrape()));
        r.route("/v1/*").handler(this::authenticate);
        r.route("/v1/*").method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.PATCH)
                .method(HttpMethod.DELETE).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
        for (AdminRoutes g : groups) g.mount(r);
        r.route().handler(ctx -> ctx.fail(ApiException.of(ErrorKind.UNKNOWN_URL, "method",
                ctx.request().method().name(), "path", ctx.request().path())));
        ClientMistakes mistakes = new ClientMistakes(metrics, 10, System::nanoTime);
        r.route().failureHandler(ctx -> ErrorResponses.write(ctx.response(),
                ErrorResponses.fromFailure(ctx, ctx.get("request_id"), MAX_BODY, mistakes)));
        return r;
    }

    /** Constant-time comparison of the bearer token with the admin token. */
    private void authenticate(RoutingContext ctx) {
        checkToken(ctx, adminToken);
    }

    private static void checkToken(RoutingContext ctx, String expected) {
        String adminToken = expected;
        String h = ctx.request().getHeader("authorization");
        String token = h == null ? null : h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : h.trim();
        if (token == null || token.isEmpty()) {
            ctx.fail(ApiException.of(ErrorKind.MISSING_API_KEY));
            return;
        }
        if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), adminToken.getBytes(StandardCharsets.UTF_8))) {
            ctx.fail(ApiException.of(ErrorKind.INVALID_API_KEY, "masked", KeyMask.mask(token)));
            return;
        }
        ctx.next();
    }

    /** The Prometheus text, after the gauges computed from state (breakers) are refreshed. */
    private String scrape() {
        dev.sluice.gateway.observability.GatewayMetrics.of(metrics).refresh();
        return metrics.scrape();
    }
}
