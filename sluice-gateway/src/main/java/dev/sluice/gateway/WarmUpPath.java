package dev.sluice.gateway;

import dev.sluice.gateway.access.CountryLookup;
import dev.sluice.gateway.access.CountryTable;
import dev.sluice.gateway.access.PolicyCache;
import dev.sluice.gateway.access.TrustedProxies;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.config.choice.Http2Mode;
import dev.sluice.gateway.console.TrafficSeries;
import dev.sluice.gateway.http.AccessLogWriter;
import dev.sluice.gateway.http.ClientMistakes;
import dev.sluice.gateway.http.ConnectionGuard;
import dev.sluice.gateway.http.PublicApi;
import dev.sluice.gateway.idempotency.MemoryIdempotencyStore;
import dev.sluice.gateway.lifecycle.InFlightRequests;
import dev.sluice.gateway.lifecycle.WarmUp;
import dev.sluice.gateway.limits.LimitRules;
import dev.sluice.gateway.limits.MemoryLimitStore;
import dev.sluice.gateway.limits.RateLimiter;
import dev.sluice.gateway.limits.RateLimits;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.observability.Observability;
import dev.sluice.gateway.overload.AdmissionControl;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.quota.LedgerStore;
import dev.sluice.gateway.quota.QuotaCheck;
import dev.sluice.gateway.quota.QuotaRules;
import dev.sluice.gateway.quota.SpendBook;
import dev.sluice.gateway.quota.UsageLedger;
import dev.sluice.gateway.stages.BodyBudget;
import dev.sluice.gateway.stages.CachedKeyResolver;
import dev.sluice.gateway.stages.CachedPolicyResolver;
import dev.sluice.gateway.stages.Idempotency;
import dev.sluice.gateway.stages.RequestBody;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.CachingKeyLookup;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.StorageSettings;
import dev.sluice.gateway.traffic.TrafficStages;
import dev.sluice.gateway.upstream.RetryPolicy;
import dev.sluice.gateway.upstream.RetryProtection;
import dev.sluice.gateway.upstream.UpstreamCall;
import dev.sluice.gateway.upstream.UpstreamClients;
import dev.sluice.gateway.upstream.providers.ProviderAdapters;
import dev.sluice.gateway.usage.RequestObserver;
import dev.sluice.gateway.usage.UsageSink;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The private request path the warm-up drives: the gateway's own classes (HTTP server with the public port's options
 * and a guard, {@link PublicApi}, {@link Pipelines#build}, every stage, the key and policy caches, {@link UpstreamCall}
 * and the adapters, the upstream HTTP client, the usage ledger, the meters, the tracer, the access-log encoder) built
 * over private state only: an internal simulator as the one upstream, a SQLite database of its own in a temporary
 * directory (one organization, project and key; the warm-up's ledger rows), its own limit store, spend book,
 * idempotency store, admission limit and Prometheus registry, an access-log writer that drops every line, spans sent
 * nowhere. So the JIT compiles what the first callers run, while no tenant's limits, quota, ledger, metrics or access
 * lines see a thing, and no provider is called.
 */
final class WarmUpPath implements WarmUp.Path {
    static final String FAMILY = "sluice-warmup";
    private static final String KEY_ENV = "SLUICE_WARMUP_UPSTREAM_KEY";
    private static final long UNLIMITED = 1_000_000_000L; // far above any warm-up, well inside the bucket arithmetic

    private final Vertx vertx;
    private final SluiceConfig cfg;
    private final ModelCatalog realCatalog;
    private final Clock clock;

    WarmUpPath(Vertx vertx, SluiceConfig cfg, ModelCatalog realCatalog, Clock clock) {
        this.vertx = vertx;
        this.cfg = cfg;
        this.realCatalog = realCatalog;
        this.clock = clock;
    }

    @Override
    public Future<WarmUp.Target> open() {
        Future<PrivateStore> store = vertx.executeBlocking(() -> PrivateStore.open(clock), false);
        return store.compose(db -> SimulatorServer.start(vertx, new SimulatorOptions("127.0.0.1", 0, false, 0, 8))
                .compose(sim -> open(db, sim), t -> {
                    vertx.executeBlocking(() -> db.close(null), false);
                    return Future.failedFuture(t);
                }));
    }

    private Future<WarmUp.Target> open(PrivateStore db, SimulatorServer sim) {
        ModelCatalog catalog = catalog(sim.baseUrl());
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MeterRegistry metrics = registry(prometheus);
        Observability observability = Observability.detached(cfg.observability(), metrics);
        AccessLogWriter accessLog = AccessLogWriter.discarding("sluice-warmup-access-log");
        SpendBook spend = new SpendBook(clock);
        UsageLedger ledger = new UsageLedger(new LedgerStore(db.db()), spend, catalog, clock,
                cfg.quotas().ledgerFlushMs(), cfg.quotas().ledgerBatchSize(), cfg.quotas().ledgerQueueCapacity(),
                metrics);
        UpstreamClients clients = new UpstreamClients(vertx, cfg.upstreamPool(), cfg.upstreamTimeouts().connectMs(),
                metrics, 1);
        UpstreamCall call = new UpstreamCall(clients, new UpstreamCall.Settings(cfg.upstreamTimeouts(),
                RetryPolicy.of(cfg.upstreamRetries()), cfg.circuitBreaker(), Deployment::baseUrl,
                Map.of(KEY_ENV, "sk-sim"), clock, new Random(), dev.sluice.protocol.time.Ticker.system(),
                new dev.sluice.gateway.time.VertxTimers(vertx), ProviderAdapters::of), RetryProtection.of(cfg))
                .observe(observability.upstream());
        Executor workers = GatewayAssembly.workers(vertx);
        com.github.benmanes.caffeine.cache.Ticker ticker = com.github.benmanes.caffeine.cache.Ticker.systemTicker();
        CachedKeyResolver keys = new CachedKeyResolver(vertx, new CachingKeyLookup(db.access().apiKeys(),
                CachingKeyLookup.DEFAULT_MAX_STALENESS, CachingKeyLookup.DEFAULT_MAXIMUM_SIZE, ticker, workers));
        CachedPolicyResolver policies = new CachedPolicyResolver(vertx, new PolicyCache(db.access(),
                PolicyCache.DEFAULT_MAX_STALENESS, ticker, workers));
        PublicApi api = new PublicApi(vertx, Pipelines.build(new Pipelines.Parts(keys, policies,
                new CountryLookup(null, CountryTable.empty()), clock, catalog, new TokenCounter(), idempotency(),
                traffic(metrics, spend), new RequestBody(new BodyBudget(cfg.server().maxBodyBytesInFlight(),
                        cfg.server().maxBodyBytesInFlightPerKey()), cfg.maxBodyBytes()),
                UsageSink.both(ledger, UsageSink.NONE), new dev.sluice.gateway.batch.LiveTraffic(), call, notServed(),
                notServed())),
                cfg.maxBodyBytes(), ex -> { }, metrics, TrustedProxies.none(), new InFlightRequests(),
                RequestObserver.all(new TrafficSeries(clock), observability.metrics()))
                .tracing(observability.tracing())
                .accessLogSampling(cfg.observability().accessLogSuccessSampleRatio(), null)
                .accessLogTo(accessLog);
        // the ledger drains and the database closes on a thread of their own (both block; a Vert.x worker would be
        // interrupted when the gateway stops during the warm-up)
        java.util.function.Supplier<Future<Void>> closePrivate = () -> {
            io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
            Thread.ofPlatform().name("sluice-warmup-close").daemon(true).start(() -> {
                try {
                    try {
                        accessLog.close();
                        observability.close();
                        metrics.close();
                    } finally {
                        db.close(ledger);
                    }
                    closed.complete();
                } catch (RuntimeException e) {
                    closed.fail(e); // readiness follows either way
                }
            });
            return closed.future();
        };
        ClientMistakes mistakes = new ClientMistakes(metrics, 10, System::nanoTime);
        ConnectionGuard guard = GatewayAssembly.guard(cfg, "warmup", mistakes);
        return GatewayAssembly.harden(cfg, vertx.createHttpServer(GatewayAssembly.publicServerOptions(cfg)
                        .setHost("127.0.0.1").setPort(0)), guard, mistakes, "warmup")
                .requestHandler(api.router()).listen()
                .map(server -> target(server, sim, clients, db.key(), catalog, closePrivate))
                .recover(t -> clients.closeAsync().eventually(sim::close).eventually(closePrivate)
                        .transform(v -> Future.failedFuture(t)));
    }

    /**
     * The warm-up's own database: a SQLite file in a temporary directory holding one organization, one project and
     * the one key the warm-up calls with, so the key and policy caches, the ledger and its writer run as they do for
     * a tenant, on nobody's data. Removed when the warm-up ends.
     */
    private record PrivateStore(Path dir, Database db, AccessStore access, String key) {
        static PrivateStore open(Clock clock) throws java.io.IOException {
            Path dir = Files.createTempDirectory("sluice-warmup-");
            // should the process end before the warm-up's close (a stop during the warm-up), the JVM removes them
            dir.toFile().deleteOnExit();
            for (String f : new String[] {"", "-wal", "-shm", "-journal"}) {
                dir.resolve(StorageSettings.SQLITE_FILE + f).toFile().deleteOnExit();
            }
            Database db;
            try {
                db = Database.open(StorageSettings.sqlite(dir).withPoolSize(2));
            } catch (RuntimeException e) {
                delete(dir);
                throw e;
            }
            try {
                AccessStore access = new AccessStore(db, clock);
                String org = access.organizations().create(FAMILY).id();
                String project = access.projects().create(org, FAMILY).id();
                String key = "sk-warmup-" + randomToken();
                access.apiKeys().createWithSecret(KeySpec.unowned(project, FAMILY), key);
                return new PrivateStore(dir, db, access, key);
            } catch (RuntimeException e) {
                db.close();
                delete(dir);
                throw e;
            }
        }

        /** Drains {@code ledger} (when given) into the database, closes it and removes its directory. */
        Void close(UsageLedger ledger) {
            try {
                if (ledger != null) ledger.close();
            } finally {
                try {
                    db.close();
                } finally {
                    delete(dir);
                }
            }
            return null;
        }

        private static void delete(Path dir) {
            try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // a temporary directory; the operating system's clean-up takes what is left
            }
        }
    }

    /** The kind of registry the gateway's meters go to (Prometheus, or a composite when OTLP pushes too). */
    private MeterRegistry registry(PrometheusMeterRegistry prometheus) {
        if (cfg.observability().otlpEndpoint() == null) return prometheus;
        io.micrometer.core.instrument.composite.CompositeMeterRegistry composite =
                new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        composite.add(prometheus);
        return composite;
    }

    private static WarmUp.Target target(HttpServer server, SimulatorServer sim, UpstreamClients clients, String key,
                                        ModelCatalog catalog, java.util.function.Supplier<Future<Void>> closePrivate) {
        List<String> models = catalog.all().stream().map(ModelSpec::id).toList();
        return new WarmUp.Target(server.actualPort(), key, models,
                () -> server.close().eventually(clients::closeAsync).eventually(sim::close).eventually(closePrivate));
    }

    /**
     * One chat model per tokenizer and adapter the real catalogue uses (sim and OpenAI-compatible only: both speak
     * the simulator's wire format), each deployed on the internal simulator with the real deployment's HTTP/2 choice.
     */
    private ModelCatalog catalog(String simBase) {
        Set<String> tokenizers = new LinkedHashSet<>();
        Map<String, Http2Mode> http2ByProvider = new java.util.LinkedHashMap<>();
        for (ModelSpec m : realCatalog.all()) {
            if (m.modality() != Modality.CHAT) continue;
            tokenizers.add(m.tokenizer());
            for (Deployment d : m.deployments()) {
                String provider = "openai".equals(d.provider()) || "detail".equals(d.provider()) ? "openai" : "sim";
                http2ByProvider.putIfAbsent(provider, d.http2());
            }
        }
        if (tokenizers.isEmpty()) tokenizers.add("o200k_base");
        if (http2ByProvider.isEmpty()) http2ByProvider.put("sim", null);
        List<ModelSpec> models = new ArrayList<>();
        for (String tokenizer : tokenizers) {
            http2ByProvider.forEach((provider, http2) -> {
                String id = FAMILY + "-" + provider + "-" + tokenizer;
                Deployment d = new Deployment("warmup-" + provider, provider, simBase, "sim-mini",
                        "openai".equals(provider) ? KEY_ENV : null, 0, null, null, null, null, false, null, null, http2);
                models.add(new ModelSpec(id, FAMILY, Modality.CHAT, 128_000, 4_096, tokenizer, 0, 0, List.of(d),
                        1_735_689_600L, List.of(), List.of()));
            });
        }
        return new ModelCatalog(models);
    }

    /** The quota check, the five limits and admission control over private stores; Slow Down would refuse a burst. */
    private TrafficStages traffic(MeterRegistry metrics, SpendBook spend) {
        SluiceConfig.LimitValues unlimited = new SluiceConfig.LimitValues(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED,
                UNLIMITED);
        LimitRules rules = new LimitRules(Map.of(FAMILY, new SluiceConfig.FamilyLimits(unlimited, unlimited)), "");
        Stage admission = cfg.overload().enabled() ? new AdmissionControl(vertx, cfg.overload(), metrics)
                : TrafficStages.passThrough().admissionControl();
        return new TrafficStages(new QuotaCheck(new QuotaRules(cfg.quotas()), spend, metrics),
                new RateLimits(new RateLimiter(rules, new MemoryLimitStore(), clock), false, metrics),
                TrafficStages.passThrough().slowDownGuard(), admission);
    }

    private Stage idempotency() {
        SluiceConfig.Idempotency c = cfg.idempotency();
        return new Idempotency(new MemoryIdempotencyStore(Duration.ofMillis(c.ttlMs()), c.maxBytes(),
                dev.sluice.gateway.time.CaffeineTickers.of(clock)), Duration.ofMillis(cfg.upstreamTimeouts().totalMs()).plusMinutes(1),
                c.failOpen());
    }

    /** Files and batches are not part of the warm-up; their routes answer as an unknown URL would. */
    private static Stage notServed() {
        return new Stage() {
            @Override
            public StageOrder order() {
                return StageOrder.TERMINAL;
            }

            @Override
            public Future<dev.sluice.gateway.pipeline.Answer> apply(Exchange ex, Chain next) {
                return Future.failedFuture(ApiException.of(ErrorKind.UNKNOWN_URL, "method", "-", "path", "-"));
            }
        };
    }

    private static String randomToken() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
