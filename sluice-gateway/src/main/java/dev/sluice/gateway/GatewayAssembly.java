package dev.sluice.gateway;

import dev.sluice.gateway.access.CountryLookup;
import dev.sluice.gateway.access.CountryTable;
import dev.sluice.gateway.access.PolicyCache;
import dev.sluice.gateway.access.TrustedProxies;
import dev.sluice.gateway.admin.AccessPolicyRoutes;
import dev.sluice.gateway.admin.AdminContext;
import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.admin.ApiKeyRoutes;
import dev.sluice.gateway.admin.OrganizationRoutes;
import dev.sluice.gateway.admin.ProjectRoutes;
import dev.sluice.gateway.admin.ServiceAccountRoutes;
import dev.sluice.gateway.admin.UserRoutes;
import dev.sluice.gateway.batch.BatchService;
import dev.sluice.gateway.batch.BatchesApi;
import dev.sluice.gateway.batch.LiveTraffic;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.config.choice.StoreBackend;
import dev.sluice.gateway.console.Console;
import dev.sluice.gateway.console.ConsoleData;
import dev.sluice.gateway.console.ConsoleSessions;
import dev.sluice.gateway.console.Runbook;
import dev.sluice.gateway.console.TrafficSeries;
import dev.sluice.gateway.files.FileStorage;
import dev.sluice.gateway.files.FilesApi;
import dev.sluice.gateway.http.AdminApi;
import dev.sluice.gateway.http.ClientMistakes;
import dev.sluice.gateway.http.ConnectionGuard;
import dev.sluice.gateway.http.FatalErrors;
import dev.sluice.gateway.http.PublicApi;
import dev.sluice.gateway.http.PublicListeners;
import dev.sluice.gateway.http.SpinningEpoll;
import dev.sluice.gateway.http.WireErrors;
import dev.sluice.gateway.idempotency.IdempotencyStore;
import dev.sluice.gateway.idempotency.MemoryIdempotencyStore;
import dev.sluice.gateway.idempotency.RedisIdempotencyStore;
import dev.sluice.gateway.lifecycle.ConfigReloader;
import dev.sluice.gateway.lifecycle.ConfigRoutes;
import dev.sluice.gateway.lifecycle.InFlightRequests;
import dev.sluice.gateway.lifecycle.WarmUp;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.observability.Observability;
import dev.sluice.gateway.redis.RedisConnection;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.stages.BodyBudget;
import dev.sluice.gateway.stages.CachedKeyResolver;
import dev.sluice.gateway.stages.CachedPolicyResolver;
import dev.sluice.gateway.stages.Idempotency;
import dev.sluice.gateway.stages.RequestBody;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.ApiKeys;
import dev.sluice.gateway.store.AuditLog;
import dev.sluice.gateway.store.CachingKeyLookup;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.DemoCredentials;
import dev.sluice.gateway.store.FileRecords;
import dev.sluice.gateway.time.CaffeineTickers;
import dev.sluice.gateway.time.VertxTimers;
import dev.sluice.gateway.traffic.TrafficControl;
import dev.sluice.gateway.upstream.DetailAdapter;
import dev.sluice.gateway.upstream.RetryPolicy;
import dev.sluice.gateway.upstream.RetryProtection;
import dev.sluice.gateway.upstream.UpstreamCall;
import dev.sluice.gateway.upstream.UpstreamClients;
import dev.sluice.gateway.upstream.providers.ProviderAdapters;
import dev.sluice.gateway.usage.RequestObserver;
import dev.sluice.gateway.usage.UsageSink;
import dev.sluice.protocol.time.Ticker;
import dev.sluice.sim.SimulatorServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The one place that assembles a gateway: every object of a running gateway is built here, from the config and what
 * the start-up I/O before it opened ({@link Opened}: the database, the admin token, the simulator, the traffic
 * stores, the files directory, the country table). Construction only: nothing here reads the database or files,
 * connects, probes or listens ({@link Gateway#start} does that I/O in order, before and after this); the only side
 * effects are timers, gauges and the usage ledger's writer thread.
 */
final class GatewayAssembly {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    /** What the start-up I/O before assembly opened (each closed by the gateway, or on a failed start). */
    record Opened(Database db, AccessStore store, DemoCredentials demo, AdminToken token, SimulatorServer simulator,
                  TrafficControl.Stores trafficStores, FileStorage files, CountryTable countryTable) {}

    /** The process-wide runtime the gateway runs on: Vert.x and its meter registries. */
    record Platform(Vertx vertx, PrometheusMeterRegistry prometheus, MeterRegistry metrics) {
        static Platform create(SluiceConfig cfg) {
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(
                    io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            // the scrape registry, plus OTLP push when observability.otlp_endpoint is set
            MeterRegistry metrics = Observability.registry(cfg.observability(), prometheus);
            int cores = Runtime.getRuntime().availableProcessors();
            Vertx vertx = Observability.vertx(cfg.observability(), metrics,
                    new io.vertx.core.VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(Math.max(2 * cores,
                            PublicListeners.loops(cfg.server().eventLoops()) + 1)),
                    SpinningEpoll.orNull(cfg.server().eventLoopSpinUs()));
            return new Platform(vertx, prometheus, metrics);
        }
    }

    final SluiceConfig cfg;
    final Gateway.Options options;
    /** Set by the start-up step that starts the warm-up (before the admin port listens). */
    volatile WarmUp warmUp;
    final Map<String, String> env;
    final Platform platform;
    final Opened opened;
    final Observability observability;
    final ConfigReloader reloader;
    final HttpClient upstream;
    final Function<Deployment, String> baseUrls;
    final UpstreamClients upstreamClients;
    final UpstreamCall call;
    final TrafficControl traffic;
    final BatchService batches;
    final InFlightRequests inFlight;
    final PublicApi publicApi;
    final AdminApi adminApi;
    final ClientMistakes mistakes;
    /** One connection guard for every server (event loop) of the public port. */
    final ConnectionGuard publicGuard;
    /** The admin port's server, hardened, not listening yet. */
    final HttpServer adminServer;

    /**
     * Builds the gateway. {@code built} receives each part that must be closed as soon as it exists, so a failure
     * half-way closes what was built.
     */
    GatewayAssembly(SluiceConfig cfg, Map<String, String> env, Gateway.Options options, Platform platform,
                    Opened opened, java.util.function.Consumer<AutoCloseable> built) {
        this.cfg = cfg;
        this.options = options;
        this.env = env;
        this.platform = platform;
        this.opened = opened;
        Vertx vertx = platform.vertx();
        MeterRegistry metrics = platform.metrics();
        Clock clock = options.clock();
        Database db = opened.db();
        observability = Observability.start(cfg.observability(), metrics, vertx, options.spans());
        built.accept(observability);
        observability.metrics().alsoFor(platform.prometheus());
        // Hot reload: every stage reads the catalogue in force through this view (one snapshot per request).
        reloader = new ConfigReloader(cfg, Gateway::catalog, metrics, clock);
        ModelCatalog catalog = reloader.catalog();
        String simBase = opened.simulator() == null ? null : opened.simulator().baseUrl();
        upstream = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) cfg.upstreamTimeouts().connectMs())
                .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
        baseUrls = d -> d.baseUrl() != null ? stripSlash(d.baseUrl()) : simBase;
        upstreamClients = new UpstreamClients(vertx, cfg.upstreamPool(), cfg.upstreamTimeouts().connectMs(), metrics,
                PublicListeners.loops(cfg.server().eventLoops()));
        call = new UpstreamCall(upstreamClients, new UpstreamCall.Settings(cfg.upstreamTimeouts(),
                RetryPolicy.of(cfg.upstreamRetries()), cfg.circuitBreaker(), baseUrls, env, clock,
                options.random(), options.upstreamTicker() != null ? options.upstreamTicker() : Ticker.system(),
                options.upstreamTimers() != null ? VertxTimers.onCallingContext(options.upstreamTimers())
                        : new VertxTimers(vertx), ProviderAdapters::of),
                RetryProtection.of(cfg))
                .observe(observability.upstream());
        observability.metrics().breakers(() -> {
            Map<String, String> states = new TreeMap<>();
            call.breakers().states().forEach((name, state) -> states.put(name, state.name()));
            return states;
        });
        Stage idempotency = new Idempotency(idempotencyStore(cfg, clock, opened.trafficStores().redis()),
                Duration.ofMillis(cfg.upstreamTimeouts().totalMs()).plusMinutes(1), cfg.idempotency().failOpen());
        Executor workers = workers(vertx);
        com.github.benmanes.caffeine.cache.Ticker cacheTicker = options.ticker()::nanos;
        CachingKeyLookup keyLookup = new CachingKeyLookup(new ApiKeys(db, clock),
                CachingKeyLookup.DEFAULT_MAX_STALENESS, CachingKeyLookup.DEFAULT_MAXIMUM_SIZE, cacheTicker, workers);
        CachedKeyResolver keys = new CachedKeyResolver(vertx, keyLookup);
        PolicyCache policyCache = new PolicyCache(opened.store(), PolicyCache.DEFAULT_MAX_STALENESS, cacheTicker,
                workers);
        CountryLookup countries = new CountryLookup(cfg.region() == null ? null : cfg.region().countryHeader(),
                opened.countryTable());
        traffic = new TrafficControl(cfg, vertx, db, reloader.pricingCatalog(), clock, metrics,
                opened.trafficStores());
        built.accept(traffic);
        UsageSink usage = UsageSink.both(traffic.ledger(), options.usage());
        FileStorage fileStorage = opened.files();
        LiveTraffic live = new LiveTraffic();
        batches = new BatchService(vertx, db, clock, fileStorage, catalog, cfg.batch(),
                cfg.upstreamTimeouts().totalMs() + 30_000, live);
        Stage filesApi = new FilesApi(vertx, new FileRecords(db), fileStorage, cfg.files(), clock);
        Stage batchesApi = new BatchesApi(batches);
        inFlight = new InFlightRequests();
        metrics.gauge("sluice_requests_in_flight", inFlight, InFlightRequests::count);
        TrafficSeries series = new TrafficSeries(clock);
        BodyBudget bodies = new BodyBudget(cfg.server().maxBodyBytesInFlight(), cfg.server().maxBodyBytesInFlightPerKey());
        metrics.gauge("sluice_body_bytes_in_flight", bodies, BodyBudget::inFlight);
        publicApi = new PublicApi(vertx, Pipelines.build(new Pipelines.Parts(keys,
                new CachedPolicyResolver(vertx, policyCache), countries, options.clock(), catalog,
                new TokenCounter(), idempotency, traffic.stages(),
                new RequestBody(bodies, cfg.maxBodyBytes()), usage, live, call,
                filesApi, batchesApi)),
                cfg.maxBodyBytes(), options.testFault(), metrics, TrustedProxies.parse(cfg.trustedProxies()),
                inFlight, RequestObserver.all(series, observability.metrics()))
                .tracing(observability.tracing())
                .accessLogSampling(cfg.observability().accessLogSuccessSampleRatio(), null);
        Console.Settings consoleSettings = new Console.Settings(Duration.ofMillis(cfg.console().sessionTtlMs()),
                Duration.ofMillis(cfg.console().signInDelayMs()));
        Console console = new Console(vertx, opened.token().value(), consoleSettings,
                new ConsoleSessions(clock, new SecureRandom(), consoleSettings.sessionTtl()),
                new ConsoleData(series, db, batches, fileStorage, call.breakers(), catalog, metrics,
                        new AuditLog(db, clock), Runbook.load(), clock, traffic.rateLimiter()));
        mistakes = new ClientMistakes(metrics, 10, System::nanoTime);
        vertx.exceptionHandler(t -> {
            FatalErrors.exitIfFatal(t);
            LOG.error("unhandled error in a Vert.x handler", t);
        });
        String metricsTokenEnv = cfg.server().metricsTokenEnv();
        String metricsToken = metricsTokenEnv == null || env.get(metricsTokenEnv) == null
                || env.get(metricsTokenEnv).isBlank() ? null : env.get(metricsTokenEnv).strip();
        adminApi = new AdminApi(vertx, platform.prometheus(), opened.token().value(),
                adminRoutes(new AdminContext(opened.store(), keyLookup, policyCache, catalog, clock), traffic,
                        new ConfigRoutes(reloader), console), inFlight::draining, metricsToken, () -> {
                    WarmUp w = warmUp;
                    return w != null && !w.ready() ? w.notReady() : null;
                });
        boolean simRunning = opened.simulator() != null;
        reloader.check(next -> requireServable(next, simRunning));
        reloader.onApplied((before, after) -> {
            traffic.reconfigure(after.config());
            call.breakers().retainOnly(b -> ConfigReloader.sameDeployment(before.catalog(), after.catalog(), b));
            DetailAdapter.checkContextWindows(upstream, after.catalog(), baseUrls, env);
        });
        batches.onLine(observability.metrics()::batchLine);
        publicGuard = guard("public");
        adminServer = harden(vertx.createHttpServer(serverOptions(cfg).setHost(cfg.adminHost())
                .setPort(cfg.adminPort())), guard("admin"), "admin").requestHandler(adminApi.router());
    }

    /** The public port's server options (one server per event loop listens with them). */
    HttpServerOptions publicServerOptions() {
        return publicServerOptions(cfg);
    }

    /**
     * As above. Strict thread mode: every answer of the public port is written on the event loop its connection
     * belongs to (the pipeline hands work to workers and comes back to the loop before it writes), so Vert.x writes to
     * the channel directly instead of through a cross-thread message queue per connection; a write from another
     * thread would fail instead of being queued.
     */
    static HttpServerOptions publicServerOptions(SluiceConfig cfg) {
        return serverOptions(cfg).setHost(cfg.host()).setPort(cfg.port()).setCompressionSupported(false)
                .setStrictThreadMode(true);
    }

    /** Makes one server of the public port serve the public API behind the shared guard. */
    HttpServer publicServer(HttpServer server) {
        return harden(server, publicGuard, "public").requestHandler(publicApi.router());
    }

    /** HTTP/1.1 only, with the request-line and header limits of {@code server:}. */
    private static HttpServerOptions serverOptions(SluiceConfig cfg) {
        return new HttpServerOptions().setHttp2ClearTextEnabled(false)
                .setMaxInitialLineLength(cfg.server().maxUrlBytes()).setMaxHeaderSize(cfg.server().maxHeaderBytes());
    }

    /** Runs blocking work (cache refreshes) on Vert.x's worker pool, unordered. */
    static Executor workers(Vertx vertx) {
        return task -> vertx.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
    }

    /** The connection guard of one port, shared by every server (event loop) of that port. */
    private ConnectionGuard guard(String port) {
        ConnectionGuard guard = guard(cfg, port, mistakes);
        platform.metrics().gauge("sluice_open_connections", List.of(Tag.of("port", port)), guard,
                ConnectionGuard::openConnections);
        return guard;
    }

    /** Puts the connection guard, the contract's answer to malformed requests and the fatal-error exit on a port. */
    private HttpServer harden(HttpServer server, ConnectionGuard guard, String port) {
        return harden(cfg, server, guard, mistakes, port);
    }

    /** A port's connection guard with the limits of {@code server:} (the warm-up's private port has one too). */
    static ConnectionGuard guard(SluiceConfig cfg, String port, ClientMistakes mistakes) {
        SluiceConfig.Server s = cfg.server();
        return new ConnectionGuard(port, new ConnectionGuard.Limits(s.headerTimeoutMs(), s.idleTimeoutMs(),
                s.minBodyBytesPerSecond(), s.bodyRateGraceMs(), s.maxConnections(), s.maxConnectionsPerAddress(),
                s.maxUrlBytes(), s.maxHeaderBytes()), mistakes, System::nanoTime);
    }

    /** Puts a port's guard, the answer to malformed requests and the fatal-error exit on it (the warm-up's too). */
    static HttpServer harden(SluiceConfig cfg, HttpServer server, ConnectionGuard guard, ClientMistakes mistakes,
                             String port) {
        SluiceConfig.Server s = cfg.server();
        return server.connectionHandler(guard::install)
                .invalidRequestHandler(WireErrors.invalidRequestHandler(mistakes, s.maxUrlBytes(), s.maxHeaderBytes()))
                .exceptionHandler(t -> {
                    // resets, and decoder failures already answered and counted; never a stack trace per client
                    FatalErrors.exitIfFatal(t);
                    LOG.debug("connection error on the {} port: {}", port, t.toString());
                });
    }

    /** The admin endpoint groups, in mount order. */
    private static List<AdminRoutes> adminRoutes(AdminContext access, TrafficControl traffic, AdminRoutes config,
                                                 AdminRoutes console) {
        List<AdminRoutes> groups = new ArrayList<>(List.of(
                new OrganizationRoutes(access), new ProjectRoutes(access), new ApiKeyRoutes(access),
                new ServiceAccountRoutes(access), new UserRoutes(access), new AccessPolicyRoutes(access)));
        groups.addAll(traffic.adminRoutes());
        groups.add(config);
        groups.add(console); // the admin console under /console (its own sign-in, not the bearer token)
        return groups;
    }

    private static IdempotencyStore idempotencyStore(SluiceConfig cfg, Clock clock, RedisConnection redis) {
        SluiceConfig.Idempotency c = cfg.idempotency();
        Duration ttl = Duration.ofMillis(c.ttlMs());
        if (c.backend() == StoreBackend.REDIS) return new RedisIdempotencyStore(redis.pipelined(), c.keyPrefix(), ttl);
        return new MemoryIdempotencyStore(ttl, c.maxBytes(), CaffeineTickers.of(clock));
    }

    /** A reload may not bring what this process cannot serve: sim deployments need the simulator it started with. */
    private static void requireServable(SluiceConfig next, boolean simRunning) {
        if (simRunning) return;
        for (int i = 0; i < next.models().size(); i++) {
            var deps = next.models().get(i).deployments();
            for (int d = 0; d < deps.size(); d++) {
                if ("sim".equals(deps.get(d).provider()) && deps.get(d).baseUrl() == null) {
                    throw new ConfigException("Invalid config: key 'models[" + i
                            + "].deployments[" + d + "].base_url' is required: the embedded simulator is not running "
                            + "(simulator.enabled takes effect at the next start)");
                }
            }
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
