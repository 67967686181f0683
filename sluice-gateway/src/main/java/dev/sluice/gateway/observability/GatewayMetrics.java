package dev.sluice.gateway.observability;

import dev.sluice.gateway.usage.FinishedRequest;
import dev.sluice.gateway.usage.RequestObserver;
import dev.sluice.protocol.ErrorKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The gateway's named meters (docs/observability.md lists every one): the OpenTelemetry GenAI and HTTP conventions'
 * histograms and Sluice's own {@code sluice_*} series. Call sites are one line; meters are resolved once per tag tuple
 * and cached, so a request costs a map lookup and an atomic add per series. Every meter is thread-safe (several event
 * loops record at once). Labels are bounded: models, deployments, routes and codes come from configuration or the
 * error catalogue; projects go through {@link ProjectLabels}.
 */
public final class GatewayMetrics implements RequestObserver {
    /** Histogram bucket bounds for durations: 100 µs to 60 s. */
    public static final Duration[] DURATION_BUCKETS = durations(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
            0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60);
    /** Histogram bucket bounds for token counts (the GenAI convention's advice). */
    public static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
            4194304, 16777216, 67108864};
    /** Codes whose 5xx is the upstream's doing rather than the gateway's. */
    private static final java.util.Set<String> UPSTREAM_CODES = java.util.Set.of(
            ErrorKind.BAD_GATEWAY.code(), ErrorKind.UPSTREAM_UNAVAILABLE.code(), ErrorKind.UPSTREAM_TIMEOUT.code());
    private static final Map<String, String> TYPE_OF_CODE = typeOfCode();
    private static final Map<MeterRegistry, GatewayMetrics> BY_REGISTRY =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final MeterRegistry registry;
    private final ProjectLabels projects;
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
    private final Map<List<String>, DistributionSummary> summaries = new ConcurrentHashMap<>();
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final List<Runnable> beforeScrape = new java.util.concurrent.CopyOnWriteArrayList<>();
    // The per-request series, one map lookup per request and series group (no varargs or key lists built per call).
    private final Map<Key, Timer[]> httpByStatus = new ConcurrentHashMap<>();
    private final Map<Key, ModelSeries> modelSeries = new ConcurrentHashMap<>();
    private final Map<Key, AttemptSeries> attemptSeries = new ConcurrentHashMap<>();
    private final Map<Key, Counter> projectRequests = new ConcurrentHashMap<>();
    private final Map<Key, AtomicLong> headroomByKey = new ConcurrentHashMap<>();

    /** Label values of one cached series (or group of series); unused places are null. */
    private record Key(String a, String b, String c, String d, String e, String f) {
        Key(String a, String b) {
            this(a, b, null, null, null, null);
        }
    }

    /**
     * The series of one model served by one upstream model, resolved on first use (a series appears in the scrape
     * when first recorded, as before the cache): the GenAI server duration of successes, TTFT and TPOT.
     */
    private static final class ModelSeries {
        final String op, provider, model, responseModel;
        volatile Timer succeeded, firstToken, perToken;

        ModelSeries(Key k) {
            op = k.a();
            provider = k.b();
            model = k.c();
            responseModel = k.d();
        }
    }

    /** The series of one deployment's successful attempts, resolved on first use like {@link ModelSeries}. */
    private static final class AttemptSeries {
        final String op, provider, model, deployment, responseModel, server;
        volatile Counter succeeded, retries;
        volatile Timer duration;
        volatile DistributionSummary input, output;

        AttemptSeries(String op, String provider, Key k) {
            this.op = op;
            this.provider = provider;
            model = k.b();
            deployment = k.c();
            responseModel = k.e();
            server = k.f();
        }
    }

    private static final java.util.Set<String> KNOWN_METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT",
            "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    /** {@code String.valueOf(status)} for every status a request can have, made once. */
    private static final String[] STATUS = statusTexts();

    public GatewayMetrics(MeterRegistry registry, ProjectLabels projects) {
        this.registry = registry;
        this.projects = projects;
        Gauge.builder("sluice_active_streams", activeStreams, AtomicInteger::get)
                .description("Streams whose first event reached the caller and that have not ended").register(registry);
        // counters that alerts and dashboards read exist from the start (at 0), before their first event
        for (String o : List.of("replay", "conflict", "in_progress")) {
            counter("sluice_idempotency", "Idempotency-Key outcomes", "outcome", o);
        }
        for (String o : List.of("completed", "failed")) batchLine(o, 0);
        BY_REGISTRY.put(registry, this);
    }

    /**
     * The metrics bound to {@code registry} (the gateway's); stages built with a bare registry (unit tests) get a
     * fresh instance with the default project cap.
     */
    public static GatewayMetrics of(MeterRegistry registry) {
        GatewayMetrics m = BY_REGISTRY.get(registry);
        if (m != null) return m;
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, r -> new GatewayMetrics(r, ProjectLabels.capped(100)));
        }
    }

    /** Metrics nobody reads (for code paths built without a registry). */
    public static GatewayMetrics none() {
        return new GatewayMetrics(new SimpleMeterRegistry(), ProjectLabels.capped(0));
    }

    public MeterRegistry registry() { return registry; }

    /** Forgets this gateway's registries in {@link #of} (at close: the map would otherwise keep them alive). */
    public void forget() {
        synchronized (BY_REGISTRY) {
            BY_REGISTRY.values().removeIf(m -> m == this);
        }
    }

    /** Makes {@link #of} find these metrics also by {@code other} (the scrape registry inside a composite). */
    public void alsoFor(MeterRegistry other) {
        BY_REGISTRY.put(other, this);
    }

    /** Runs before every scrape of {@code /metrics} (gauges computed from state, e.g. breaker states). */
    public void beforeScrape(Runnable r) { beforeScrape.add(r); }

    /** Refreshes the computed gauges; the admin port calls it before rendering {@code /metrics}. */
    public void refresh() {
        for (Runnable r : beforeScrape) r.run();
    }

    // ---- request level: one call per finished public request (the RequestObserver hook) ----

    @Override
    public void finished(int status, String errorCode, long latencyNanos, long firstByteNanos, int promptTokens,
                         int completionTokens, int attempts, boolean streamFailed) {
        // the summary form carries too little; the HTTP adapter calls finished(FinishedRequest)
    }

    @Override
    public void finished(FinishedRequest r) {
        String status = statusText(r.status());
        String errorType = r.status() >= 400 || r.streamFailed() ? errorType(r) : "";
        httpDuration(r.method(), r.route(), r.status(), status).record(r.latencyNanos(), TimeUnit.NANOSECONDS);
        if (r.errorCode() != null && (r.status() >= 400 || r.streamFailed())) {
            String type = r.errorType() != null ? r.errorType() : TYPE_OF_CODE.getOrDefault(r.errorCode(), "");
            counter("sluice_errors", "Error answers by contract code (in-band stream errors have status 200)",
                    "code", r.errorCode(), "type", type, "status", status, "side", side(r)).increment();
        }
        if (r.replay()) counter("sluice_idempotency", "Idempotency-Key outcomes", "outcome", "replay").increment();
        else if ("idempotency_key_reused".equals(r.errorCode())) {
            counter("sluice_idempotency", "Idempotency-Key outcomes", "outcome", "conflict").increment();
        } else if ("idempotency_key_in_use".equals(r.errorCode())) {
            counter("sluice_idempotency", "Idempotency-Key outcomes", "outcome", "in_progress").increment();
        }
        if (r.projectId() != null) {
            projectRequests(projects.label(r.projectId()), r.status() >= 400 && r.errorCode() != null
                    ? r.errorCode() : "").increment();
        }
        if (!r.modelRequest() || r.model() == null) return;
        ModelSeries m = modelSeries(operation(r.endpoint()), providerName(r.provider()), r.model(),
                r.responseModel() == null ? "" : r.responseModel());
        Timer duration = errorType.isEmpty() ? m.succeeded : null;
        if (duration == null) {
            duration = timer("gen_ai.server.request.duration", "Generative AI server request duration",
                    "gen_ai.operation.name", m.op, "gen_ai.provider.name", m.provider, "gen_ai.request.model", m.model,
                    "gen_ai.response.model", m.responseModel, "error.type", errorType);
            if (errorType.isEmpty()) m.succeeded = duration;
        }
        duration.record(r.latencyNanos(), TimeUnit.NANOSECONDS);
        if (r.firstByteNanos() >= 0) {
            Timer ttft = m.firstToken;
            if (ttft == null) {
                m.firstToken = ttft = modelTimer(m, "gen_ai.server.time_to_first_token",
                        "Time to the first token of a streamed answer");
            }
            ttft.record(r.firstByteNanos(), TimeUnit.NANOSECONDS);
            if (r.completionTokens() > 1 && r.latencyNanos() > r.firstByteNanos()) {
                Timer tpot = m.perToken;
                if (tpot == null) {
                    m.perToken = tpot = modelTimer(m, "gen_ai.server.time_per_output_token",
                            "Time per output token after the first");
                }
                tpot.record((r.latencyNanos() - r.firstByteNanos()) / (r.completionTokens() - 1),
                        TimeUnit.NANOSECONDS);
            }
        }
    }

    /**
     * {@code http.server.request.duration} of a method, route and status. A method outside the HTTP specification's
     * set is {@code _OTHER} (the OpenTelemetry convention): callers choose the method, so it must not make series.
     */
    private Timer httpDuration(String requestMethod, String route, int status, String statusText) {
        String method = requestMethod != null && KNOWN_METHODS.contains(requestMethod) ? requestMethod : "_OTHER";
        Key key = new Key(method, route);
        Timer[] byStatus = httpByStatus.get(key);
        if (byStatus == null) byStatus = httpByStatus.computeIfAbsent(key, k -> new Timer[STATUS.length]);
        Timer t = status >= 0 && status < byStatus.length ? byStatus[status] : null;
        if (t != null) return t;
        // a race resolves the same meter twice: the cache and the registry return the one they have
        t = timer("http.server.request.duration", "Duration of HTTP server requests (every route of the public port)",
                "http.request.method", method, "http.route", route, "http.response.status_code", statusText,
                "error.type", status >= 400 ? statusText : "");
        if (status >= 0 && status < byStatus.length) byStatus[status] = t;
        return t;
    }

    private Counter projectRequests(String project, String code) {
        Key key = new Key(project, code);
        Counter c = projectRequests.get(key);
        if (c != null) return c;
        return projectRequests.computeIfAbsent(key, k -> counter("sluice_project_requests",
                "Requests per project (bounded: see observability.max_project_labels)", "project", project,
                "code", code));
    }

    private ModelSeries modelSeries(String op, String provider, String model, String responseModel) {
        Key key = new Key(op, provider, model, responseModel, null, null);
        ModelSeries m = modelSeries.get(key);
        return m != null ? m : modelSeries.computeIfAbsent(key, ModelSeries::new);
    }

    private static String statusText(int status) {
        return status >= 0 && status < STATUS.length ? STATUS[status] : String.valueOf(status);
    }

    private static String[] statusTexts() {
        String[] s = new String[600];
        for (int i = 0; i < s.length; i++) s[i] = String.valueOf(i);
        return s;
    }

    private static String errorType(FinishedRequest r) {
        if (r.errorCode() != null) return r.errorCode();
        return r.status() == 499 ? "cancelled" : String.valueOf(r.status());
    }

    private static String side(FinishedRequest r) {
        if (UPSTREAM_CODES.contains(r.errorCode())) return "upstream";
        return r.status() >= 500 || r.streamFailed() ? "gateway" : "client";
    }

    // ---- upstream attempts ----

    /**
     * One upstream attempt ended.
     *
     * @param outcome     {@code success}, the contract code it failed with, or {@code cancelled}
     * @param retry       not the call's first attempt
     * @param inTokens    input tokens reported for it (success only), or -1
     * @param outTokens   output tokens delivered, or -1
     */
    public void attempt(String endpoint, String model, String provider, String deployment, String responseModel,
                        String serverAddress, String outcome, boolean retry, long nanos, int inTokens, int outTokens) {
        Key key = new Key(endpoint, model, deployment, provider, responseModel, serverAddress);
        AttemptSeries a = attemptSeries.get(key);
        if (a == null) {
            a = attemptSeries.computeIfAbsent(key, k -> new AttemptSeries(operation(endpoint), providerName(provider), k));
        }
        String rm = a.responseModel == null ? "" : a.responseModel;
        boolean success = "success".equals(outcome);
        Counter attempts = success ? a.succeeded : null;
        if (attempts == null) {
            attempts = counter("sluice_upstream_attempts", "Upstream attempts by deployment and outcome",
                    "model", model, "deployment", deployment, "outcome", outcome);
            if (success) a.succeeded = attempts;
        }
        attempts.increment();
        if (retry) {
            Counter retries = a.retries;
            if (retries == null) {
                a.retries = retries = counter("sluice_upstream_retries",
                        "Upstream attempts after the first of a request (retries, failovers)",
                        "model", model, "deployment", deployment);
            }
            retries.increment();
        }
        Timer duration = success ? a.duration : null;
        if (duration == null) {
            duration = timer("gen_ai.client.operation.duration",
                    "Generative AI upstream operation duration (one per attempt)", "gen_ai.operation.name", a.op,
                    "gen_ai.provider.name", a.provider, "gen_ai.request.model", model, "gen_ai.response.model", rm,
                    "error.type", success ? "" : outcome, "server.address", serverAddress);
            if (success) a.duration = duration;
        }
        duration.record(nanos, TimeUnit.NANOSECONDS);
        if (!success) return;
        if (inTokens >= 0) {
            DistributionSummary in = a.input;
            if (in == null) a.input = in = tokens(a.op, a.provider, model, rm, serverAddress, "input");
            in.record(inTokens);
        }
        if (outTokens >= 0) {
            DistributionSummary out = a.output;
            if (out == null) a.output = out = tokens(a.op, a.provider, model, rm, serverAddress, "output");
            out.record(outTokens);
        }
    }

    private DistributionSummary tokens(String op, String provider, String model, String responseModel,
                                       String server, String type) {
        List<String> key = List.of("gen_ai.client.token.usage", op, provider, model, responseModel, server, type);
        DistributionSummary s = summaries.get(key);
        if (s != null) return s;
        return summaries.computeIfAbsent(key, k -> DistributionSummary.builder("gen_ai.client.token.usage")
                .description("Tokens used per upstream operation, by input and output")
                .tags("gen_ai.operation.name", op, "gen_ai.provider.name", provider, "gen_ai.request.model", model,
                        "gen_ai.response.model", responseModel, "server.address", server, "gen_ai.token.type", type)
                .serviceLevelObjectives(TOKEN_BUCKETS).register(registry));
    }

    /** A stream's first event reached the caller. */
    public void streamStarted() { activeStreams.incrementAndGet(); }

    /** A started stream ended (completed, failed in-band or cut). */
    public void streamEnded() { activeStreams.decrementAndGet(); }

    /**
     * Circuit-breaker state per deployment as a gauge (0 closed, 1 half-open, 2 open), read from {@code states}
     * ({@code model/deployment} → state name) at every scrape.
     */
    public void breakers(Supplier<Map<String, String>> states) {
        MultiGauge gauge = MultiGauge.builder("sluice_circuit_breaker_state")
                .description("Circuit breaker per deployment: 0 closed, 1 half-open, 2 open").register(registry);
        beforeScrape(() -> {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            states.get().forEach((name, state) -> {
                int slash = name.lastIndexOf('/');
                int value = switch (state) {
                    case "OPEN" -> 2;
                    case "HALF_OPEN" -> 1;
                    default -> 0;
                };
                rows.add(MultiGauge.Row.of(Tags.of("model", name.substring(0, Math.max(0, slash)),
                        "deployment", name.substring(slash + 1)), value));
            });
            gauge.register(rows, true);
        });
    }

    /**
     * The remaining share of a project's binding per-minute limit after its last decision, for projects that have
     * a label of their own (never one series per key; the {@code other} bucket gets none).
     */
    public void headroom(String projectId, String family, String limit, long remaining, long capacity) {
        if (capacity <= 0 || projectId == null) return;
        String project = projects.label(projectId);
        if (ProjectLabels.OTHER.equals(project)) return;
        Key key = new Key(project, family == null ? "" : family, limit, null, null, null);
        AtomicLong bits = headroomByKey.get(key);
        if (bits == null) {
            bits = headroomByKey.computeIfAbsent(key, k -> {
                AtomicLong b = new AtomicLong(Double.doubleToLongBits(1.0));
                Gauge.builder("sluice_rate_limit_headroom_ratio", b, x -> Double.longBitsToDouble(x.get()))
                        .description("Remaining share of the project's tightest per-minute limit (1 = untouched)")
                        .tags("project", k.a(), "family", k.b(), "limit", k.c()).register(registry);
                return b;
            });
        }
        bits.set(Double.doubleToLongBits(Math.max(0, Math.min(1, (double) remaining / capacity))));
    }

    /** A rate-limit refusal (kind {@code rpm}..., scope {@code organization}/{@code project}). */
    public void rateLimited(String kind, String scope) {
        counter("sluice_rate_limited", "Rate-limit refusals by limit kind and scope", "limit", kind, "scope", scope)
                .increment();
    }

    /** One batch line finished ({@code completed} or {@code failed}) or was {@code cancelled}/{@code expired}. */
    public void batchLine(String outcome) {
        batchLine(outcome, 1);
    }

    private void batchLine(String outcome, int n) {
        counter("sluice_batch_lines", "Batch lines by outcome (or the code an unanswered line got)", "outcome", outcome)
                .increment(n);
    }

    /** Any other named counter with fixed labels (cached like the rest). */
    public Counter counter(String name, String description, String... tags) {
        List<String> key = key(name, tags);
        Counter c = counters.get(key);
        if (c != null) return c;
        return counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags)
                .register(registry));
    }

    /** A timer of {@code m}'s four tags (operation, provider, request and response model). */
    private Timer modelTimer(ModelSeries m, String name, String description) {
        return timer(name, description, "gen_ai.operation.name", m.op, "gen_ai.provider.name", m.provider,
                "gen_ai.request.model", m.model, "gen_ai.response.model", m.responseModel);
    }

    private Timer timer(String name, String description, String... tags) {
        List<String> key = key(name, tags);
        Timer t = timers.get(key);
        if (t != null) return t;
        return timers.computeIfAbsent(key, k -> Timer.builder(name).description(description).tags(tags)
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry));
    }

    private static List<String> key(String name, String[] tags) {
        String[] k = new String[tags.length / 2 + 1];
        k[0] = name;
        for (int i = 1; i < tags.length; i += 2) k[i / 2 + 1] = tags[i] == null ? "" : tags[i];
        return java.util.Arrays.asList(k);
    }

    /** The GenAI convention's operation name of an endpoint ({@link dev.sluice.gateway.pipeline.Endpoint} name). */
    public static String operationOf(String endpoint) {
        return operation(endpoint);
    }

    /** The GenAI convention's provider name of a Sluice provider id. */
    public static String providerNameOf(String provider) {
        return providerName(provider);
    }

    static String operation(String endpoint) {
        if (endpoint == null) return "";
        return switch (endpoint) {
            case "EMBEDDINGS" -> "embeddings";
            case "IMAGES" -> "generate_content";
            default -> "chat";
        };
    }

    /** The GenAI convention's provider name of a Sluice provider id. */
    static String providerName(String provider) {
        if (provider == null) return "";
        return switch (provider) {
            case "azure" -> "azure.ai.openai";
            case "bedrock" -> "aws.bedrock";
            case "gemini" -> "gcp.gemini";
            case "vertex" -> "gcp.vertex_ai";
            case "sim" -> "sluice.sim";
            default -> provider;
        };
    }

    private static Map<String, String> typeOfCode() {
        Map<String, String> m = new HashMap<>();
        for (ErrorKind k : ErrorKind.values()) if (k.code() != null) m.putIfAbsent(k.code(), k.type());
        return Map.copyOf(m);
    }

    private static Duration[] durations(double... seconds) {
        Duration[] d = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) d[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
        return d;
    }
}
