package dev.sluice.gateway.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * The operations port: health checks and Prometheus metrics. (The administration API of orgs, projects and keys is
 * added here by the access-control work.)
 */
public final class AdminApi {
    private final Vertx vertx;
    private final PrometheusMeterRegistry metrics;

    public AdminApi(Vertx vertx, PrometheusMeterRegistry metrics) {
        this.vertx = vertx;
        this.metrics = metrics;
    }

    public Router router() {
        Router r = Router.router(vertx);
        r.get("/health/live").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .end("{\"status\":\"ok\"}"));
        r.get("/health/ready").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .end("{\"status\":\"ready\"}"));
        r.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        return r;
    }
}
