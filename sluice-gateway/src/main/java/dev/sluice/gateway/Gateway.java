package dev.sluice.gateway;

import dev.sluice.gateway.bootstrap.AccessBootstrap;
import dev.sluice.gateway.access.CountryTable;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.files.FileStorage;
import dev.sluice.gateway.http.PublicListeners;
import dev.sluice.gateway.lifecycle.ConfigReloader;
import dev.sluice.gateway.lifecycle.InFlightRequests;
import dev.sluice.gateway.lifecycle.Signals;
import dev.sluice.gateway.lifecycle.WarmUp;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.DemoCredentials;
import dev.sluice.gateway.store.DemoSeed;
import dev.sluice.gateway.store.StorageSettings;
import dev.sluice.gateway.traffic.TrafficControl;
import dev.sluice.gateway.upstream.DetailAdapter;
import dev.sluice.gateway.config.choice.Provider;
import dev.sluice.gateway.config.choice.StorageKind;
import dev.sluice.gateway.redis.RedisConnection;
import dev.sluice.gateway.usage.UsageSink;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.time.Ticker;
import dev.sluice.protocol.time.Timers;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A running gateway: storage, the embedded simulator (when enabled), the public API port and the admin port. Built
 * from one immutable {@link SluiceConfig}; {@link #start} returns once both ports listen.
 *
 * <p>Start-up reads in order: the I/O whose results the objects need ({@link #open}: database, access bootstrap,
 * demo seed, admin token, simulator, traffic stores), then {@link GatewayAssembly} builds every object (no I/O), then
 * the {@link #STEPS} run in order (settings, upstream probes, listening, batch runners). A start that fails closes
 * what it had opened.
 */
public final class Gateway implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Gateway.class);

    /**
     * How this process runs the gateway besides its config, with named settings; production uses {@link #defaults()}.
     *
     * @param clock          wall time of limits, windows, keys, batches, breakers
     * @param ticker         drives the key and policy caches ({@link #withClock} sets it to {@link Ticker#of} the
     *                       clock, so a test that moves a fake clock also ages the caches)
     * @param testFault      sees every request before its pipeline (tests throw from it to prove the failure handler)
     * @param usage          also told every usage record (the ledger persists them either way)
     * @param spans          also sent every finished span, null for none (tests: an in-memory exporter)
     * @param random         jitters upstream backoff and draws weighted deployments
     * @param upstreamTicker times upstream calls, null for the system ticker
     * @param upstreamTimers schedules upstream timeouts, backoff and retry-after waits, null for Vert.x timers
     * @param warmUpGate     the warm-up ({@code server.warmup}) begins once it completes, null for at once
     */
    public record Options(Clock clock, Ticker ticker, Consumer<Exchange> testFault, UsageSink usage,
                          SpanExporter spans, RandomGenerator random, Ticker upstreamTicker, Timers upstreamTimers,
                          Future<Void> warmUpGate) {
        public static Options defaults() {
            return new Options(Clock.systemUTC(), Ticker.system(), ex -> { }, UsageSink.NONE, null,
                    new java.util.Random(), null, null, null);
        }

        /** Runs on {@code clock}, and the caches age by {@link Ticker#of}{@code (clock)}. */
        public Options withClock(Clock c) {
            return new Options(c, Ticker.of(c), testFault, usage, spans, random, upstreamTicker, upstreamTimers,
                    warmUpGate);
        }

        public Options withTicker(Ticker t) {
            return new Options(clock, t, testFault, usage, spans, random, upstreamTicker, upstreamTimers,
                    warmUpGate);
        }

        public Options withTestFault(Consumer<Exchange> f) {
            return new Options(clock, ticker, f, usage, spans, random, upstreamTicker, upstreamTimers,
                    warmUpGate);
        }

        public Options withUsage(UsageSink u) {
            return new Options(clock, ticker, testFault, u, spans, random, upstreamTicker, upstreamTimers,
                    warmUpGate);
        }

        public Options withSpans(SpanExporter exporter) {
            return new Options(clock, ticker, testFault, usage, exporter, random, upstreamTicker, upstreamTimers,
                    warmUpGate);
        }

        /** Draws upstream jitter and weighted deployment order from {@code r} (tests: a fixed source). */
        public Options withRandom(RandomGenerator r) {
            return new Options(clock, ticker, testFault, usage, spans, r, upstreamTicker, upstreamTimers,
                    warmUpGate);
        }

        /**
         * Times upstream calls (timeouts, backoff, retry-after waits) by {@code t} and {@code timers} instead of the
         * system (tests: a {@code FakeTime}, whose tasks are re-posted to the event loop that scheduled them).
         */
        public Options withUpstreamTime(Ticker t, Timers timers) {
            return new Options(clock, ticker, testFault, usage, spans, random, t, timers, warmUpGate);
        }

        /** The warm-up ({@code server.warmup}) begins only once {@code gate} completes (tests see readiness before). */
        public Options withWarmUpGate(Future<Void> gate) {
            return new Options(clock, ticker, testFault, usage, spans, random, upstreamTicker, upstreamTimers, gate);
        }
    }

    /** One named start-up step after assembly; a failure stops the start. */
    record Step(String name, Consumer<Gateway> run) {}

    /**
     * The start-up I/O after assembly, in order. A new step (a warm-up, say) is one more entry; the ports listen only
     * once every step before them is done.
     */
    static final List<Step> STEPS = List.of(
            new Step("load traffic settings", g -> g.parts.traffic.load()),
            new Step("probe upstream context windows", g -> DetailAdapter.checkContextWindows(g.parts.upstream,
                    g.parts.reloader.catalog(), g.parts.baseUrls, g.parts.env)),
            new Step("listen on the public port", Gateway::listenPublic),
            // Warm before serving: readiness waits for the hot path to have run (private state, internal upstream).
            new Step("warm up the request path", g -> g.parts.warmUp = WarmUp.start(g.vertx,
                    g.parts.cfg.server().warmup(), new WarmUpPath(g.vertx, g.parts.cfg, g.parts.reloader.catalog(),
                    g.parts.options.clock()), g.parts.options.warmUpGate(), System::nanoTime)),
            new Step("listen on the admin port", g -> g.adminServer = await(g.parts.adminServer.listen())),
            new Step("start the batch runners", g -> g.parts.batches.start(g.parts.cfg.host(), g.port())));

    private final GatewayAssembly parts;
    private final Vertx vertx;
    private PublicListeners publicServer;
    private HttpServer adminServer;
    private boolean closed;

    private Gateway(GatewayAssembly parts) {
        this.parts = parts;
        this.vertx = parts.platform.vertx();
    }

    public static Gateway start(SluiceConfig cfg, Map<String, String> env, Options options) {
        GatewayAssembly.Platform platform = GatewayAssembly.Platform.create(cfg);
        Deque<AutoCloseable> openedSoFar = new ArrayDeque<>();
        Gateway gateway;
        try {
            GatewayAssembly.Opened opened = open(cfg, env, options, platform.vertx(), openedSoFar);
            gateway = new Gateway(new GatewayAssembly(cfg, env, options, platform, opened, openedSoFar::push));
        } catch (RuntimeException e) {
            while (!openedSoFar.isEmpty()) closeQuietly(openedSoFar.pop());
            platform.vertx().close();
            throw e;
        }
        try {
            for (Step step : STEPS) {
                LOG.debug("start-up: {}", step.name());
                step.run().accept(gateway);
            }
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    /**
     * The start-up I/O before assembly, in order: open the database, apply the access bootstrap, seed the demo key,
     * read or create the admin token, start the embedded simulator, connect the traffic stores (Redis), create the
     * files directory, read the country table. Each thing opened goes on {@code opened} so a failed start closes it.
     */
    private static GatewayAssembly.Opened open(SluiceConfig cfg, Map<String, String> env, Options options,
                                               Vertx vertx, Deque<AutoCloseable> opened) {
        // The o200k ranks (~60 MB) load on a thread of their own while the rest opens, not on the first request's loop.
        Thread.ofPlatform().daemon().name("sluice-o200k-preload").start(TokenCounter::preload);
        Path dataDir = Path.of(cfg.dataDir());
        Database db = Database.open(storageSettings(cfg, dataDir, env));
        opened.push(db::close);
        AccessStore store = new AccessStore(db, options.clock());
        AccessBootstrap.apply(store, cfg.access(), env);
        DemoCredentials demo = cfg.storage().kind() == StorageKind.SQLITE || cfg.secrets().demoKey() != null
                ? DemoSeed.seedIfEmpty(db, cfg.secrets().demoKey(), options.clock()).orElse(null) : null;
        AdminToken token = AdminToken.resolve(cfg, dataDir);
        SimulatorServer sim = null;
        if (cfg.simulator().enabled()) {
            sim = await(SimulatorServer.start(vertx, new SimulatorOptions(cfg.host(), 0, cfg.simulator().faults(),
                    cfg.simulator().tokensPerSecond(), cfg.simulator().embeddingDimensions())));
            SimulatorServer started = sim;
            opened.push(() -> await(started.close()));
        }
        RedisConnection redis = new RedisConnection(vertx, cfg.redis()); // one for limits and idempotency
        opened.push(redis::close);
        TrafficControl.Stores stores = TrafficControl.connect(cfg, vertx, db, redis);
        opened.push(stores);
        FileStorage files = new FileStorage(dataDir); // creates <data_dir>/files
        CountryTable countries = cfg.region() == null || cfg.region().countryTable() == null ? CountryTable.empty()
                : CountryTable.load(Path.of(cfg.region().countryTable()));
        return new GatewayAssembly.Opened(db, store, demo, token, sim, stores, files, countries);
    }

    private void listenPublic() {
        // One server per event loop on the public port (server.event_loops, 0 = one per core), one guard for all.
        publicServer = await(PublicListeners.listen(vertx, parts.publicServerOptions(),
                PublicListeners.loops(parts.cfg.server().eventLoops()), parts::publicServer));
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing after a failed start: {}", e.toString());
        }
    }

    private static StorageSettings storageSettings(SluiceConfig cfg, Path dataDir, Map<String, String> env) {
        SluiceConfig.Storage s = cfg.storage();
        if (s.kind() == StorageKind.POSTGRES) {
            String password = s.passwordEnv() == null ? null : env.get(s.passwordEnv());
            return StorageSettings.postgres(s.url(), s.user(), password, s.schema());
        }
        return StorageSettings.sqlite(dataDir);
    }

    static ModelCatalog catalog(SluiceConfig cfg) {
        List<ModelSpec> models = cfg.models().stream().map(m -> new ModelSpec(m.id(), m.family(),
                Modality.valueOf(m.modality().toUpperCase(Locale.ROOT)), m.contextWindow(), m.maxOutputTokens(),
                m.tokenizer(), m.price().inputPer1m(), m.price().outputPer1m(),
                m.deployments().stream().map(d -> new Deployment(d.name() == null ? d.provider() : d.name(),
                        d.provider(), baseUrl(d), d.model(), d.apiKeyEnv(), d.weight() == null ? 0 : d.weight(),
                        d.apiKeyFile(), d.region(), d.apiVersion(), d.auth(),
                        Boolean.TRUE.equals(d.forwardSimHeader()), d.maxConnections(), d.maxStreams(), d.http2()))
                        .toList(), 1_735_689_600L, m.fallbacks(), m.contextWindowFallbacks())).toList();
        return new ModelCatalog(models);
    }

    /** The deployment's base URL, else its provider's public endpoint (null for sim: the embedded simulator). */
    private static String baseUrl(SluiceConfig.ModelDeployment d) {
        if (d.baseUrl() != null) return d.baseUrl();
        return Provider.parse(d.provider()).flatMap(p -> p.defaultBaseUrl(d.region())).orElse(null);
    }

    /** A stop during the warm-up: its requests end and its private path closes before Vert.x does (at most 10 s). */
    private static void stopWarmUp(WarmUp w) {
        try {
            w.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("warm-up: its private path did not close before the gateway stopped ({})", e.toString());
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new IllegalStateException(c.getMessage() == null ? c.toString() : c.getMessage(), c);
        } catch (Exception e) {
            throw new IllegalStateException(e.toString(), e);
        }
    }

    public int port() { return publicServer.actualPort(); }

    /** Event loops (servers) accepting on the public port. */
    public int publicEventLoops() { return publicServer.size(); }

    public int adminPort() { return adminServer.actualPort(); }

    public String baseUrl() { return "http://127.0.0.1:" + port() + "/v1"; }

    /** The demo org/project/key created at first start (embedded default), if this start created or added one. */
    public Optional<DemoCredentials> demo() { return Optional.ofNullable(parts.opened.demo()); }

    public String adminToken() { return parts.opened.token().value(); }

    /** True when this start generated the admin token (so the CLI prints it once). */
    public boolean adminTokenGenerated() { return parts.opened.token().generated(); }

    public Optional<String> simulatorBaseUrl() { return simulator().map(SimulatorServer::baseUrl); }

    /** The embedded simulator, when enabled (tests watch its in-flight count). */
    public Optional<SimulatorServer> simulator() { return Optional.ofNullable(parts.opened.simulator()); }

    public Vertx vertx() { return vertx; }

    public Database database() { return parts.opened.db(); }

    /** Quotas, rate limits, Slow Down, admission control and the usage ledger of this gateway. */
    public TrafficControl traffic() { return parts.traffic; }

    /** The hot-reload of this gateway: its snapshot in force, its source (set by the CLI), {@code reload}. */
    public ConfigReloader reloader() { return parts.reloader; }

    /** The warm-up before readiness ({@code server.warmup}). */
    public WarmUp warmUp() { return parts.warmUp; }

    /** The configuration the gateway started with (tests of this package). */
    SluiceConfig config() { return parts.cfg; }

    /** The requests the public port is serving now, and whether the gateway is draining. */
    public InFlightRequests inFlight() { return parts.inFlight; }

    /** What SIGTERM/SIGINT (drain, then end the drain at once) and SIGHUP (reload) do to this gateway. */
    public Signals.Handlers signalHandlers() {
        return new Signals.Handlers(this::drain, () -> parts.inFlight.cutNow(), () -> parts.reloader.reload("SIGHUP"));
    }

    /** Graceful stop with the configured {@code shutdown.drain_ms}; see {@link #drain(java.time.Duration)}. */
    public boolean drain() {
        return drain(java.time.Duration.ofMillis(parts.cfg.shutdown().drainMs()));
    }

    /**
     * Graceful stop: readiness turns false, the public listener takes no new connections (open ones get
     * {@code connection: close} on their next answer), batch runners stop at a line boundary, and requests in flight
     * get up to {@code limit} to finish. Then whatever is left is ended with 503 {@code server_shutting_down} (the
     * in-band error event once a stream has started), the usage ledger is written out and everything closes.
     * {@link InFlightRequests#cutNow()} (a second signal) ends the wait early. Returns true when nothing was cut.
     */
    public boolean drain(java.time.Duration limit) {
        synchronized (this) {
            if (closed) return true;
        }
        long deadline = System.nanoTime() + limit.toNanos();
        parts.inFlight.startDrain();
        LOG.info("draining: readiness is false, {} requests in flight, up to {} ms", parts.inFlight.count(), limit.toMillis());
        Future<Void> listener = publicServer == null ? Future.succeededFuture()
                : publicServer.shutdown(limit.toMillis() + CUT_GRACE_MS, TimeUnit.MILLISECONDS);
        dev.sluice.gateway.batch.BatchService b = parts.batches;
        Thread batchStop = Thread.ofVirtual().name("sluice-batch-stop").start(() -> {
            if (b != null) b.close(); // stops sending lines; lines in flight finish (they are requests in flight)
        });
        boolean clean;
        try {
            clean = parts.inFlight.awaitIdle(deadline);
            if (!clean) {
                int cut = parts.inFlight.abortAll(ApiException.of(ErrorKind.SERVER_SHUTTING_DOWN));
                LOG.warn("drain deadline: {} requests still in flight were ended with server_shutting_down", cut);
                parts.inFlight.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CUT_GRACE_MS));
            }
            batchStop.join(Math.max(0, (deadline - System.nanoTime()) / 1_000_000) + CUT_GRACE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            clean = false;
        }
        try {
            listener.toCompletionStage().toCompletableFuture().get(CUT_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // connections still open are closed below
        }
        close();
        LOG.info("drained: {}", clean ? "every request finished" : "requests were cut at the deadline");
        return clean;
    }

    private static final long CUT_GRACE_MS = 2_000;

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        try {
            if (parts.warmUp != null) stopWarmUp(parts.warmUp);
            parts.batches.close();
            if (publicServer != null) await(publicServer.close());
            if (adminServer != null) await(adminServer.close());
            await(parts.upstream.close());
            parts.upstreamClients.close();
            if (parts.opened.simulator() != null) await(parts.opened.simulator().close());
        } finally {
            parts.traffic.close(); // drains the usage ledger and closes the traffic stores before the database closes
            parts.observability.close(); // flushes spans still queued for OTLP
            dev.sluice.gateway.http.AccessLogWriter.flush(); // the access lines still queued, written out now
            await(vertx.close());
            parts.opened.db().close();
        }
    }
}
