package dev.sluice.sim;

import dev.sluice.protocol.time.Ticker;
import dev.sluice.sim.internal.Attempts;
import dev.sluice.sim.internal.InFlight;
import dev.sluice.sim.internal.SimRoutes;
import dev.sluice.sim.internal.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running simulator. {@link #start} completes once the port is bound and the tokenizers are loaded, so the first
 * request is not slowed by them. HTTP/1.1 only (no h2c upgrade), like most upstreams a gateway pools connections to.
 */
public final class SimulatorServer {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatorServer.class);
    private static final int MAX_ATTEMPT_KEYS = 10_000;

    private final HttpServer http;
    private final SimulatorOptions options;
    private final Attempts attempts;
    private final InFlight inFlight;
    /** Concurrent HTTP/2 streams one connection may carry. */
    static final long MAX_STREAMS = 100_000;

    private SimulatorServer(HttpServer http, SimulatorOptions options, Attempts attempts, InFlight inFlight) {
        this.http = http;
        this.options = options;
        this.attempts = attempts;
        this.inFlight = inFlight;
    }

    public static Future<SimulatorServer> start(Vertx vertx, SimulatorOptions options) {
        return start(vertx, options, Ticker.system());
    }

    /**
     * A simulator whose stream pacing ({@code tps}: token i is due i/tps after the first) reads {@code ticker}
     * instead of the system's, so a test moves that time by hand. Its timers stay real: they only look at the ticker.
     */
    public static Future<SimulatorServer> start(Vertx vertx, SimulatorOptions options, Ticker ticker) {
        Attempts attempts = new Attempts(MAX_ATTEMPT_KEYS);
        InFlight inFlight = new InFlight();
        HttpServerOptions http = new HttpServerOptions()
                .setHost(options.host())
                .setPort(options.port())
                // HTTP/1.1, and HTTP/2 in clear (h2c, prior knowledge or upgrade) with many streams per connection, as
                // an LLM provider's edge would: a gateway may multiplex thousands of streams over a few connections.
                .setHttp2ClearTextEnabled(true)
                .setInitialSettings(new io.vertx.core.http.Http2Settings().setMaxConcurrentStreams(MAX_STREAMS))
                .setCompressionSupported(false);
        return vertx.executeBlocking(() -> {
                    Tokens.warmUp();
                    return null;
                })
                .compose(v -> vertx.createHttpServer(http)
                        .requestHandler(SimRoutes.router(vertx, options, attempts, inFlight, ticker))
                        .listen())
                .map(server -> {
                    SimulatorServer sim = new SimulatorServer(server, options, attempts, inFlight);
                    LOG.info("Simulator listening on {} (faults {})", sim.baseUrl(), options.faults() ? "on" : "off");
                    return sim;
                });
    }

    public int port() {
        return http.actualPort();
    }

    /** {@code http://127.0.0.1:{port}/v1}; a wildcard bind address is reported as loopback. */
    public String baseUrl() {
        String host = options.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) host = "127.0.0.1";
        else if (host.contains(":")) host = "[" + host + "]";
        return "http://" + host + ":" + port() + "/v1";
    }

    public SimulatorOptions options() {
        return options;
    }

    /** Requests accepted and not yet answered or abandoned by their client. */
    public int inFlight() {
        return inFlight.open();
    }

    /** Requests received since start (every attempt counts), for tests that check how often an upstream was hit. */
    public long requestsReceived() {
        return inFlight.received();
    }

    /** The W3C {@code traceparent} of each request received that carried one (the last 1000), oldest first. */
    public java.util.List<String> traceparentsReceived() {
        return inFlight.traceparents();
    }

    /** Completes when no request is in flight, e.g. after a client cancelled a stream or gave up on a hang. */
    public Future<Void> whenIdle() {
        return inFlight.whenIdle();
    }

    /** Forgets every {@code fail_times} counter, so tests sharing one simulator can reuse request bodies. */
    public void resetFaultCounters() {
        attempts.clear();
    }

    public Future<Void> close() {
        return http.close();
    }
}
