package dev.sluice.gateway;

import dev.sluice.gateway.config.choice.Http2Mode;
import dev.sluice.gateway.access.CountryLookup;
import dev.sluice.gateway.access.CountryTable;
import dev.sluice.gateway.access.TrustedProxies;
import dev.sluice.gateway.config.SluiceConfig;
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
import dev.sluice.gateway.overload.AdmissionControl;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.quota.QuotaCheck;
import dev.sluice.gateway.quota.QuotaRules;
import dev.sluice.gateway.quota.SpendBook;
import dev.sluice.gateway.stages.BodyBudget;
import dev.sluice.gateway.stages.Idempotency;
import dev.sluice.gateway.stages.KeyResolver;
import dev.sluice.gateway.stages.PolicyResolver;
import dev.sluice.gateway.stages.RequestBody;
import dev.sluice.gateway.traffic.TrafficStages;
import dev.sluice.gateway.upstream.RetryPolicy;
import dev.sluice.gateway.upstream.RetryProtection;
import dev.sluice.gateway.upstream.UpstreamCall;
import dev.sluice.gateway.upstream.UpstreamClients;
import dev.sluice.gateway.upstream.providers.ProviderAdapters;
import dev.sluice.gateway.usage.RequestObserver;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

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

/**
 * The private request path the warm-up drives: the same classes as the public port (HTTP server, {@link PublicApi},
 * {@link Pipelines#build}, every stage, {@link UpstreamCall} and the adapters, the upstream HTTP client) built over
 * private state only: an internal simulator as the one upstream, a key that exists only in memory, its own limit
 * store, spend book, idempotency store, admission limit and meter registry, a usage sink that drops every record, no
 * access log, no tracing.
 * So the JIT compiles the hot path while no tenant's limits, quota, ledger, metrics or access lines see a thing, and
 * no provider is called.
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
        return SimulatorServer.start(vertx, new SimulatorOptions("127.0.0.1", 0, false, 0, 8)).compose(sim -> {
            String key = "sk-warmup-" + randomToken();
            ModelCatalog catalog = catalog(sim.baseUrl());
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            UpstreamClients clients = new UpstreamClients(vertx, cfg.upstreamPool(), cfg.upstreamTimeouts().connectMs(),
                    metrics, 1);
            UpstreamCall call = new UpstreamCall(clients, new UpstreamCall.Settings(cfg.upstreamTimeouts(),
                    RetryPolicy.of(cfg.upstreamRetries()), cfg.circuitBreaker(), Deployment::baseUrl,
                    Map.of(KEY_ENV, "sk-sim"), clock, new Random(), dev.sluice.protocol.time.Ticker.system(),
                    new dev.sluice.gateway.time.VertxTimers(vertx), ProviderAdapters::of), RetryProtection.of(cfg));
            PublicApi api = new PublicApi(vertx, Pipelines.build(new Pipelines.Parts(keys(key), PolicyResolver.open(),
                    new CountryLookup(null, CountryTable.empty()), clock, catalog, new TokenCounter(), idempotency(),
                    traffic(metrics), new RequestBody(new BodyBudget(cfg.server().maxBodyBytesInFlight(),
                            cfg.server().maxBodyBytesInFlightPerKey()), cfg.maxBodyBytes()),
                    r -> { }, new dev.sluice.gateway.batch.LiveTraffic(), call, notServed(), notServed())),
                    cfg.maxBodyBytes(), ex -> { }, metrics, TrustedProxies.none(), new InFlightRequests(),
                    RequestObserver.NONE).withoutAccessLog();
            return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                            .setHttp2ClearTextEnabled(false).setMaxInitialLineLength(cfg.server().maxUrlBytes())
                            .setMaxHeaderSize(cfg.server().maxHeaderBytes()))
                    .requestHandler(api.router()).listen()
                    .map(server -> target(server, sim, clients, key, catalog))
                    .recover(t -> clients.closeAsync().eventually(sim::close).transform(v -> Future.failedFuture(t)));
        });
    }

    private static WarmUp.Target target(HttpServer server, SimulatorServer sim, UpstreamClients clients, String key,
                                        ModelCatalog catalog) {
        List<String> models = catalog.all().stream().map(ModelSpec::id).toList();
        return new WarmUp.Target(server.actualPort(), key, models,
                () -> server.close().eventually(clients::closeAsync).eventually(sim::close));
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
    private TrafficStages traffic(SimpleMeterRegistry metrics) {
        SluiceConfig.LimitValues unlimited = new SluiceConfig.LimitValues(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED,
                UNLIMITED);
        LimitRules rules = new LimitRules(Map.of(FAMILY, new SluiceConfig.FamilyLimits(unlimited, unlimited)), "");
        Stage admission = cfg.overload().enabled() ? new AdmissionControl(vertx, cfg.overload(), metrics)
                : TrafficStages.passThrough().admissionControl();
        return new TrafficStages(new QuotaCheck(new QuotaRules(cfg.quotas()), new SpendBook(clock), metrics),
                new RateLimits(new RateLimiter(rules, new MemoryLimitStore(), clock), false, metrics),
                TrafficStages.passThrough().slowDownGuard(), admission);
    }

    private Stage idempotency() {
        SluiceConfig.Idempotency c = cfg.idempotency();
        return new Idempotency(new MemoryIdempotencyStore(Duration.ofMillis(c.ttlMs()), c.maxBytes(),
                dev.sluice.gateway.time.CaffeineTickers.of(clock)), Duration.ofMillis(cfg.upstreamTimeouts().totalMs()).plusMinutes(1),
                c.failOpen());
    }

    /** Only the warm-up's own key, held in memory: no database look-up, no tenant. */
    private static KeyResolver keys(String key) {
        Caller caller = new Caller("key_warmup", "org_warmup", "proj_warmup", "sk-warmup...");
        KeyResolver.Resolution valid = new KeyResolver.Resolution(KeyResolver.Status.VALID, caller, null);
        return secret -> Future.succeededFuture(key.equals(secret) ? valid : KeyResolver.Resolution.unknown());
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
