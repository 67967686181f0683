package dev.sluice.gateway;

import dev.sluice.gateway.bootstrap.AccessBootstrap;
import dev.sluice.gateway.access.CountryLookup;
import dev.sluice.gateway.access.CountryTable;
import dev.sluice.gateway.access.PolicyCache;
import dev.sluice.gateway.access.TrustedProxies;
import dev.sluice.gateway.admin.AccessPolicyRoutes;
import dev.sluice.gateway.admin.AdminContext;
import dev.sluice.gateway.admin.ApiKeyRoutes;
import dev.sluice.gateway.admin.OrganizationRoutes;
import dev.sluice.gateway.admin.ProjectRoutes;
import dev.sluice.gateway.admin.ServiceAccountRoutes;
import dev.sluice.gateway.admin.UserRoutes;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.config.choice.StorageKind;
import dev.sluice.gateway.config.choice.StoreBackend;
import dev.sluice.gateway.stages.CachedPolicyResolver;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.http.AdminApi;
import dev.sluice.gateway.http.ClientMistakes;
import dev.sluice.gateway.http.ConnectionGuard;
import dev.sluice.gateway.http.FatalErrors;
import dev.sluice.gateway.http.WireErrors;
import dev.sluice.gateway.http.PublicApi;
import dev.sluice.gateway.lifecycle.ConfigReloader;
import dev.sluice.gateway.lifecycle.ConfigRoutes;
import dev.sluice.gateway.lifecycle.InFlightRequests;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.stages.CachedKeyResolver;
import dev.sluice.gateway.store.ApiKeys;
import dev.sluice.gateway.store.CachingKeyLookup;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.DemoCredentials;
import dev.sluice.gateway.store.DemoSeed;
import dev.sluice.gateway.store.StorageSettings;
import dev.sluice.gateway.idempotency.IdempotencyStore;
import dev.sluice.gateway.idempotency.MemoryIdempotencyStore;
import dev.sluice.gateway.idempotency.RedisIdempotencyStore;
import dev.sluice.gateway.redis.RedisConnection;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.stages.Idempotency;
import dev.sluice.gateway.upstream.DetailAdapter;
import dev.sluice.gateway.config.choice.Provider;
import dev.sluice.gateway.upstream.RetryPolicy;
import dev.sluice.gateway.traffic.TrafficControl;
import dev.sluice.gateway.upstream.UpstreamCall;
import dev.sluice.gateway.usage.UsageSink;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running gateway: storage, the embedded simulator (when enabled), the public API port and the admin port. Built
 * from one immutable {@link SluiceConfig}; {@link #start} returns once both ports listen.
 */
public final class Gateway implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Gateway.class);
    private final Vertx vertx;
    private final Database database;
    private final SimulatorServer simulator;
    private final dev.sluice.gateway.http.PublicListeners publicServer;
    private final HttpServer adminServer;
    private final HttpClient upstreamClient;
    private final DemoCredentials demo;
    private final String adminToken;
    private final boolean adminTokenGenerated;
    private final TrafficControl traffic;
    private dev.sluice.gateway.batch.BatchService batches;
    private InFlightRequests inFlight;
    private ConfigReloader reloader;
    private long drainMs;
    private dev.sluice.gateway.observability.Observability observability;
    private boolean closed;
    private dev.sluice.gateway.upstream.UpstreamClients upstreamClients;
    private dev.sluice.gateway.lifecycle.WarmUp warmUp;

    /**
     * Test and embedding hooks; production uses {@link #defaults()}. {@code ticker} drives the key and policy caches;
     * the three-argument form derives it from {@code clock} (the system ticker for the system clock), so a test that
     * moves a fake clock also ages the caches. {@code random} jitters upstream backoff and draws weighted deployments;
     * {@code upstreamTicker} / {@code upstreamTimers} time upstream calls (null: the system ticker and Vert.x timers).
     */
    public record Options(Clock clock, Consumer<Exchange> testFault, UsageSink usage,
                          com.github.benmanes.caffeine.cache.Ticker ticker,
                          io.opentelemetry.sdk.trace.export.SpanExporter spans,
                          java.util.random.RandomGenerator random,
                          dev.sluice.protocol.time.Ticker upstreamTicker, dev.sluice.protocol.time.Timers upstreamTimers,
                          Future<Void> warmUpGate) {
        public Options(Clock clock, Consumer<Exchange> testFault, UsageSink usage,
                       com.github.benmanes.caffeine.cache.Ticker ticker,
                       io.opentelemetry.sdk.trace.export.SpanExporter spans,
                       java.util.random.RandomGenerator random,
                       dev.sluice.protocol.time.Ticker upstreamTicker, dev.sluice.protocol.time.Timers upstreamTimers) {
            this(clock, testFault, usage, ticker, spans, random, upstreamTicker, upstreamTimers, null);
        }

        /** The warm-up (server.warmup) begins only once {@code gate} completes (tests see readiness before it). */
        public Options withWarmUpGate(Future<Void> gate) {
            return new Options(clock, testFault, usage, ticker, spans, random, upstreamTicker, upstreamTimers, gate);
        }

        public Options(Clock clock, Consumer<Exchange> testFault, UsageSink usage) {
            this(clock, testFault, usage, dev.sluice.gateway.time.CaffeineTickers.of(clock));
        }

        public Options(Clock clock, Consumer<Exchange> testFault, UsageSink usage,
                       com.github.benmanes.caffeine.cache.Ticker ticker) {
            this(clock, testFault, usage, ticker, null, new java.util.Random(), null, null);
        }

        /** Also sends every finished span to {@code exporter} (tests: an in-memory exporter). */
        public Options withSpans(io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
            return new Options(clock, testFault, usage, ticker, exporter, random, upstreamTicker, upstreamTimers,
                    warmUpGate);
        }

        /** Draws upstream jitter and weighted deployment order from {@code r} (tests: a fixed source). */
        public Options withRandom(java.util.random.RandomGenerator r) {
            return new Options(clock, testFault, usage, ticker, spans, r, upstreamTicker, upstreamTimers, warmUpGate);
        }

        /**
         * Times upstream calls (timeouts, backoff, retry-after waits) by {@code t} and {@code timers} instead of the
         * system (tests: a {@code FakeTime}, whose tasks are re-posted to the event loop that scheduled them).
         */
        public Options withUpstreamTime(dev.sluice.protocol.time.Ticker t, dev.sluice.protocol.time.Timers timers) {
            return new Options(clock, testFault, usage, ticker, spans, random, t, timers, warmUpGate);
        }

        public static Options defaults() {
            // The usage ledger persists every record; the observer here is for tests and embedders.
            return new Options(Clock.systemUTC(), ex -> { }, record -> { });
        }
    }

    private Gateway(Vertx vertx, Database database, SimulatorServer simulator,
                    dev.sluice.gateway.http.PublicListeners publicServer,
                    HttpServer adminServer, HttpClient upstreamClient, DemoCredentials demo,
                    String adminToken, boolean adminTokenGenerated, TrafficControl traffic) {
        this.vertx = vertx;
        this.database = database;
        this.simulator = simulator;
        this.publicServer = publicServer;
        this.adminServer = adminServer;
        this.upstreamClient = upstreamClient;
        this.demo = demo;
        this.adminToken = adminToken;
        this.adminTokenGenerated = adminTokenGenerated;
        this.traffic = traffic;
    }

    public static Gateway start(SluiceConfig cfg, Map<String, String> env, Options options) {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // the scrape registry, plus OTLP push when observability.otlp_endpoint is set
        io.micrometer.core.instrument.MeterRegistry metrics =
                dev.sluice.gateway.observability.Observability.registry(cfg.observability(), prometheus);
        int cores = Runtime.getRuntime().availableProcessors();
        Vertx vertx = dev.sluice.gateway.observability.Observability.vertx(cfg.observability(), metrics,
                new io.vertx.core.VertxOptions().setEventLoopPoolSize(Math.max(2 * cores,
                        dev.sluice.gateway.http.PublicListeners.loops(cfg.server().eventLoops()) + 1)));
        Database db = null;
        TrafficControl traffic = null;
        dev.sluice.gateway.observability.Observability observability = null;
        try {
            observability = dev.sluice.gateway.observability.Observability.start(cfg.observability(), metrics, vertx,
                    options.spans());
            observability.metrics().alsoFor(prometheus);
            Path dataDir = Path.of(cfg.dataDir());
            db = Database.open(storageSettings(cfg, dataDir, env));
            AccessStore store = new AccessStore(db, options.clock());
            AccessBootstrap.apply(store, cfg.access(), env);
            DemoCredentials demo = cfg.storage().kind() == StorageKind.SQLITE || cfg.secrets().demoKey() != null
                    ? DemoSeed.seedIfEmpty(db, cfg.secrets().demoKey(), options.clock()).orElse(null) : null;
            String[] token = adminToken(cfg, dataDir);
            SimulatorServer sim = null;
            if (cfg.simulator().enabled()) {
                sim = await(SimulatorServer.start(vertx, new SimulatorOptions(cfg.host(), 0, cfg.simulator().faults(),
                        cfg.simulator().tokensPerSecond(), cfg.simulator().embeddingDimensions())));
            }
            // Hot reload: every stage reads the catalogue in force through this view (one snapshot per request).
            ConfigReloader reloader = new ConfigReloader(cfg, Gateway::catalog, metrics, options.clock());
            ModelCatalog catalog = reloader.catalog();
            String simBase = sim == null ? null : sim.baseUrl();
            HttpClient upstream = vertx.createHttpClient(new HttpClientOptions()
                    .setConnectTimeout((int) cfg.upstreamTimeouts().connectMs())
                    .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
            java.util.function.Function<Deployment, String> baseUrls =
                    d -> d.baseUrl() != null ? stripSlash(d.baseUrl()) : simBase;
            dev.sluice.gateway.upstream.UpstreamClients upstreamClients = new dev.sluice.gateway.upstream.UpstreamClients(
                    vertx, cfg.upstreamPool(), cfg.upstreamTimeouts().connectMs(), metrics,
                    dev.sluice.gateway.http.PublicListeners.loops(cfg.server().eventLoops()));
            UpstreamCall call = new UpstreamCall(upstreamClients, new UpstreamCall.Settings(cfg.upstreamTimeouts(),
                    RetryPolicy.of(cfg.upstreamRetries()), cfg.circuitBreaker(), baseUrls, env, options.clock(),
                    options.random(), options.upstreamTicker() != null ? options.upstreamTicker()
                            : dev.sluice.protocol.time.Ticker.system(), options.upstreamTimers() != null
                            ? dev.sluice.gateway.time.VertxTimers.onCallingContext(options.upstreamTimers())
                            : new dev.sluice.gateway.time.VertxTimers(vertx)),
                    dev.sluice.gateway.upstream.RetryProtection.of(cfg))
                    .observe(observability.upstream());
            observability.metrics().breakers(() -> {
                Map<String, String> states = new java.util.TreeMap<>();
                call.breakers().states().forEach((name, state) -> states.put(name, state.name()));
                return states;
            });
            DetailAdapter.checkContextWindows(upstream, catalog, baseUrls, env);
            RedisConnection redis = new RedisConnection(vertx, cfg.redis()); // one for limits and idempotency
            Stage idempotency = new Idempotency(idempotencyStore(cfg, options.clock(), redis),
                    java.time.Duration.ofMillis(cfg.upstreamTimeouts().totalMs()).plusMinutes(1),
                    cfg.idempotency().failOpen());
            java.util.concurrent.Executor workers = task -> vertx.executeBlocking(() -> {
                task.run();
                return null;
            }, false);
            workers.execute(TokenCounter::preload); // the o200k ranks load here, not on the first request's loop
            CachingKeyLookup keyLookup = new CachingKeyLookup(new ApiKeys(db, options.clock()),
                    CachingKeyLookup.DEFAULT_MAX_STALENESS, CachingKeyLookup.DEFAULT_MAXIMUM_SIZE, options.ticker(), workers);
            CachedKeyResolver keys = new CachedKeyResolver(vertx, keyLookup);
            PolicyCache policyCache = new PolicyCache(store, PolicyCache.DEFAULT_MAX_STALENESS, options.ticker(), workers);
            CountryLookup countries = new CountryLookup(cfg.region() == null ? null : cfg.region().countryHeader(),
                    cfg.region() == null || cfg.region().countryTable() == null ? CountryTable.empty()
                            : CountryTable.load(Path.of(cfg.region().countryTable())));
            traffic = TrafficControl.start(cfg, vertx, db, reloader.pricingCatalog(), options.clock(), metrics, redis);
            UsageSink ledger = traffic.ledger();
            UsageSink observer = options.usage();
            UsageSink usage = r -> {
                ledger.record(r);
                observer.record(r);
            };
            dev.sluice.gateway.files.FileStorage fileStorage = new dev.sluice.gateway.files.FileStorage(dataDir);
            dev.sluice.gateway.batch.LiveTraffic live = new dev.sluice.gateway.batch.LiveTraffic();
            dev.sluice.gateway.batch.BatchService batches = new dev.sluice.gateway.batch.BatchService(vertx, db,
                    options.clock(), fileStorage, catalog, cfg.batch(), cfg.upstreamTimeouts().totalMs() + 30_000, live);
            Stage filesApi = new dev.sluice.gateway.files.FilesApi(vertx, new dev.sluice.gateway.store.FileRecords(db),
                    fileStorage, cfg.files(), options.clock());
            Stage batchesApi = new dev.sluice.gateway.batch.BatchesApi(batches);
            InFlightRequests inFlight = new InFlightRequests();
            metrics.gauge("sluice_requests_in_flight", inFlight, InFlightRequests::count);
            dev.sluice.gateway.console.TrafficSeries series = new dev.sluice.gateway.console.TrafficSeries(options.clock());
            dev.sluice.gateway.stages.BodyBudget bodies = new dev.sluice.gateway.stages.BodyBudget(
                    cfg.server().maxBodyBytesInFlight(), cfg.server().maxBodyBytesInFlightPerKey());
            metrics.gauge("sluice_body_bytes_in_flight", bodies, dev.sluice.gateway.stages.BodyBudget::inFlight);
            PublicApi api = new PublicApi(vertx, Pipelines.build(new Pipelines.Parts(keys,
                    new CachedPolicyResolver(vertx, policyCache), countries, options.clock(), catalog,
                    new TokenCounter(), idempotency, traffic.stages(),
                    new dev.sluice.gateway.stages.RequestBody(bodies, cfg.maxBodyBytes()), usage, live, call,
                    filesApi, batchesApi)),
                    cfg.maxBodyBytes(), options.testFault(), metrics, TrustedProxies.parse(cfg.trustedProxies()),
                    inFlight, dev.sluice.gateway.usage.RequestObserver.all(series, observability.metrics()))
                    .tracing(observability.tracing())
                    .accessLogSampling(cfg.observability().accessLogSuccessSampleRatio(), null);
            dev.sluice.gateway.console.Console.Settings consoleSettings = new dev.sluice.gateway.console.Console.Settings(
                    java.time.Duration.ofMillis(cfg.console().sessionTtlMs()),
                    java.time.Duration.ofMillis(cfg.console().signInDelayMs()));
            dev.sluice.gateway.console.Console console = new dev.sluice.gateway.console.Console(vertx, token[0],
                    consoleSettings, new dev.sluice.gateway.console.ConsoleSessions(options.clock(), new SecureRandom(),
                    consoleSettings.sessionTtl()),
                    new dev.sluice.gateway.console.ConsoleData(series, db, batches, fileStorage, call.breakers(), catalog,
                    metrics, new dev.sluice.gateway.store.AuditLog(db, options.clock()),
                    dev.sluice.gateway.console.Runbook.load(), options.clock(), traffic.rateLimiter()));
            ClientMistakes mistakes = new ClientMistakes(metrics, 10, System::nanoTime);
            vertx.exceptionHandler(t -> {
                FatalErrors.exitIfFatal(t);
                LOG.error("unhandled error in a Vert.x handler", t);
            });
            // One server per event loop on the public port (server.event_loops, 0 = one per core), one guard for all.
            ConnectionGuard publicGuard = guard(cfg, "public", mistakes, metrics);
            dev.sluice.gateway.http.PublicListeners pub = await(dev.sluice.gateway.http.PublicListeners.listen(vertx,
                    serverOptions(cfg).setHost(cfg.host()).setPort(cfg.port()).setCompressionSupported(false),
                    dev.sluice.gateway.http.PublicListeners.loops(cfg.server().eventLoops()),
                    server -> harden(server, publicGuard, cfg, "public", mistakes).requestHandler(api.router())));
            // Warm before serving: readiness waits for the hot path to have run (private state, internal upstream).
            dev.sluice.gateway.lifecycle.WarmUp warmUp = dev.sluice.gateway.lifecycle.WarmUp.start(vertx,
                    cfg.server().warmup(), new WarmUpPath(vertx, cfg, catalog, options.clock()), options.warmUpGate(),
                    System::nanoTime);
            String metricsTokenEnv = cfg.server().metricsTokenEnv();
            String metricsToken = metricsTokenEnv == null || env.get(metricsTokenEnv) == null
                    || env.get(metricsTokenEnv).isBlank() ? null : env.get(metricsTokenEnv).strip();
            HttpServer admin = await(hardened(vertx.createHttpServer(serverOptions(cfg).setHost(cfg.adminHost())
                    .setPort(cfg.adminPort())), cfg, "admin", mistakes, metrics)
                    .requestHandler(new AdminApi(vertx, prometheus, token[0],
                    adminRoutes(new AdminContext(store, keyLookup, policyCache, catalog,
                    options.clock()), traffic, new ConfigRoutes(reloader), console), inFlight::draining, metricsToken,
                    () -> warmUp.ready() ? null : warmUp.notReady()).router()).listen());
            Gateway gateway = new Gateway(vertx, db, sim, pub, admin, upstream, demo, token[0], token[1] != null,
                    traffic);
            batches.onLine(observability.metrics()::batchLine);
            gateway.upstreamClients = upstreamClients;
            batches.start(cfg.host(), pub.actualPort());
            gateway.batches = batches;
            gateway.inFlight = inFlight;
            gateway.reloader = reloader;
            gateway.drainMs = cfg.shutdown().drainMs();
            gateway.observability = observability;
            gateway.warmUp = warmUp;
            TrafficControl trafficControl = traffic;
            boolean simRunning = sim != null;
            reloader.check(next -> requireServable(next, simRunning));
            reloader.onApplied((before, after) -> {
                trafficControl.reconfigure(after.config());
                call.breakers().retainOnly(b -> ConfigReloader.sameDeployment(before.catalog(), after.catalog(), b));
                DetailAdapter.checkContextWindows(upstream, after.catalog(), baseUrls, env);
            });
            return gateway;
        } catch (RuntimeException e) {
            if (observability != null) observability.close();
            if (traffic != null) traffic.close();
            if (db != null) db.close();
            vertx.close();
            throw e;
        }
    }

    /** HTTP/1.1 only, with the request-line and header limits of {@code server:}. */
    private static HttpServerOptions serverOptions(SluiceConfig cfg) {
        return new HttpServerOptions().setHttp2ClearTextEnabled(false)
                .setMaxInitialLineLength(cfg.server().maxUrlBytes()).setMaxHeaderSize(cfg.server().maxHeaderBytes());
    }

    /** Puts the connection guard, the contract's answer to malformed requests and the fatal-error exit on a port. */
    private static HttpServer hardened(HttpServer server, SluiceConfig cfg, String port, ClientMistakes mistakes,
                                       io.micrometer.core.instrument.MeterRegistry metrics) {
        return harden(server, guard(cfg, port, mistakes, metrics), cfg, port, mistakes);
    }

    /** The connection guard of one port, shared by every server (event loop) of that port. */
    private static ConnectionGuard guard(SluiceConfig cfg, String port, ClientMistakes mistakes,
                                         io.micrometer.core.instrument.MeterRegistry metrics) {
        SluiceConfig.Server s = cfg.server();
        ConnectionGuard guard = new ConnectionGuard(port, new ConnectionGuard.Limits(s.headerTimeoutMs(),
                s.idleTimeoutMs(), s.minBodyBytesPerSecond(), s.bodyRateGraceMs(), s.maxConnections(),
                s.maxConnectionsPerAddress(), s.maxUrlBytes(), s.maxHeaderBytes()), mistakes, System::nanoTime);
        metrics.gauge("sluice_open_connections", List.of(io.micrometer.core.instrument.Tag.of("port", port)), guard,
                ConnectionGuard::openConnections);
        return guard;
    }

    private static HttpServer harden(HttpServer server, ConnectionGuard guard, SluiceConfig cfg, String port,
                                     ClientMistakes mistakes) {
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
    private static List<dev.sluice.gateway.admin.AdminRoutes> adminRoutes(AdminContext access,
                                                                        TrafficControl traffic,
                                                                        dev.sluice.gateway.admin.AdminRoutes config,
                                                                        dev.sluice.gateway.admin.AdminRoutes console) {
        List<dev.sluice.gateway.admin.AdminRoutes> groups = new java.util.ArrayList<>(List.of(
                new OrganizationRoutes(access), new ProjectRoutes(access), new ApiKeyRoutes(access),
                new ServiceAccountRoutes(access), new UserRoutes(access), new AccessPolicyRoutes(access)));
        groups.addAll(traffic.adminRoutes());
        groups.add(config);
        groups.add(console); // the admin console under /console (its own sign-in, not the bearer token)
        return groups;
    }

    private static IdempotencyStore idempotencyStore(SluiceConfig cfg, Clock clock, RedisConnection redis) {
        SluiceConfig.Idempotency c = cfg.idempotency();
        java.time.Duration ttl = java.time.Duration.ofMillis(c.ttlMs());
        if (c.backend() == StoreBackend.REDIS) return new RedisIdempotencyStore(redis.pipelined(), c.keyPrefix(), ttl);
        return new MemoryIdempotencyStore(ttl, c.maxBytes(), dev.sluice.gateway.time.CaffeineTickers.of(clock));
    }

    private static StorageSettings storageSettings(SluiceConfig cfg, Path dataDir, Map<String, String> env) {
        SluiceConfig.Storage s = cfg.storage();
        if (s.kind() == StorageKind.POSTGRES) {
            String password = s.passwordEnv() == null ? null : env.get(s.passwordEnv());
            return StorageSettings.postgres(s.url(), s.user(), password, s.schema());
        }
        return StorageSettings.sqlite(dataDir);
    }

    /** The admin token: SLUICE_ADMIN_TOKEN, else one generated at first start and kept in the data dir. */
    private static String[] adminToken(SluiceConfig cfg, Path dataDir) {
        if (cfg.secrets().adminToken() != null) return new String[] {cfg.secrets().adminToken(), null};
        Path file = dataDir.resolve("admin-token");
        try {
            if (Files.isRegularFile(file)) return new String[] {Files.readString(file).strip(), null};
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String t = "sk-admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            Files.createDirectories(dataDir);
            Files.writeString(file, t + "\n");
            try {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return new String[] {t, "generated"};
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the admin token under " + dataDir + ": " + e.getMessage());
        }
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

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
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
    public Optional<DemoCredentials> demo() { return Optional.ofNullable(demo); }

    public String adminToken() { return adminToken; }

    /** True when this start generated the admin token (so the CLI prints it once). */
    public boolean adminTokenGenerated() { return adminTokenGenerated; }

    public Optional<String> simulatorBaseUrl() { return Optional.ofNullable(simulator).map(SimulatorServer::baseUrl); }

    /** The embedded simulator, when enabled (tests watch its in-flight count). */
    public Optional<SimulatorServer> simulator() { return Optional.ofNullable(simulator); }

    public Vertx vertx() { return vertx; }

    public Database database() { return database; }

    /** Quotas, rate limits, Slow Down, admission control and the usage ledger of this gateway. */
    public TrafficControl traffic() { return traffic; }

    /** The hot-reload of this gateway: its snapshot in force, its source (set by the CLI), {@code reload}. */
    public ConfigReloader reloader() { return reloader; }

    /** The warm-up before readiness ({@code server.warmup}). */
    public dev.sluice.gateway.lifecycle.WarmUp warmUp() { return warmUp; }

    /** The requests the public port is serving now, and whether the gateway is draining. */
    public InFlightRequests inFlight() { return inFlight; }

    /** A reload may not bring what this process cannot serve: sim deployments need the simulator it started with. */
    private static void requireServable(SluiceConfig next, boolean simRunning) {
        if (simRunning) return;
        for (int i = 0; i < next.models().size(); i++) {
            var deps = next.models().get(i).deployments();
            for (int d = 0; d < deps.size(); d++) {
                if ("sim".equals(deps.get(d).provider()) && deps.get(d).baseUrl() == null) {
                    throw new dev.sluice.gateway.config.ConfigException("Invalid config: key 'models[" + i
                            + "].deployments[" + d + "].base_url' is required: the embedded simulator is not running "
                            + "(simulator.enabled takes effect at the next start)");
                }
            }
        }
    }

    /** Graceful stop with the configured {@code shutdown.drain_ms}; see {@link #drain(java.time.Duration)}. */
    public boolean drain() {
        return drain(java.time.Duration.ofMillis(drainMs));
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
        inFlight.startDrain();
        LOG.info("draining: readiness is false, {} requests in flight, up to {} ms", inFlight.count(), limit.toMillis());
        Future<Void> listener = publicServer.shutdown(limit.toMillis() + CUT_GRACE_MS, TimeUnit.MILLISECONDS);
        dev.sluice.gateway.batch.BatchService b = batches;
        Thread batchStop = Thread.ofVirtual().name("sluice-batch-stop").start(() -> {
            if (b != null) b.close(); // stops sending lines; lines in flight finish (they are requests in flight)
        });
        boolean clean;
        try {
            clean = inFlight.awaitIdle(deadline);
            if (!clean) {
                int cut = inFlight.abortAll(ApiException.of(ErrorKind.SERVER_SHUTTING_DOWN));
                LOG.warn("drain deadline: {} requests still in flight were ended with server_shutting_down", cut);
                inFlight.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CUT_GRACE_MS));
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
            if (batches != null) batches.close();
            await(publicServer.close());
            await(adminServer.close());
            await(upstreamClient.close());
            if (upstreamClients != null) upstreamClients.close();
            if (simulator != null) await(simulator.close());
        } finally {
            traffic.close(); // drains the usage ledger before the database closes
            if (observability != null) observability.close(); // flushes spans still queued for OTLP
            await(vertx.close());
            database.close();
        }
    }
}
