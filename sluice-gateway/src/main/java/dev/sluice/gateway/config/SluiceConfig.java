package dev.sluice.gateway.config;

import dev.sluice.gateway.config.choice.StorageKind;
import dev.sluice.gateway.config.choice.AdmissionAlgorithm;
import dev.sluice.gateway.config.choice.Http2Mode;
import dev.sluice.gateway.config.choice.LogFormat;
import dev.sluice.gateway.config.choice.StoreBackend;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The whole configuration, immutable, built once at start from the bundled defaults, {@code sluice.yaml},
 * {@code SLUICE_*} environment variables and command-line flags (in that order of precedence, last wins).
 * Field names map to snake_case keys in YAML.
 */
public record SluiceConfig(int port, int adminPort, String host, String dataDir, long maxBodyBytes,
                           Storage storage, Simulator simulator, Timeouts upstreamTimeouts, List<Model> models,
                           Secrets secrets, Retries upstreamRetries, Breaker circuitBreaker,
                           Idempotency idempotency, List<String> trustedProxies, Region region, Access access,
                           Limits limits, Redis redis, Quotas quotas, Overload overload, SlowDown slowDown,
                           FileLimits files, BatchSettings batch,
                           Shutdown shutdown,
                           Reload reload,
                           Log log,
                           Console console,
                           Observability observability,

                           String adminHost,
                           Server server,

                           RetryBudget retryBudget,
                           RetryHints retryHints,
                           CallerDeadlines callerDeadlines,
                           UpstreamPool upstreamPool) {

    /**
     * Per deployment, retries (a second attempt of one request on the same deployment) stay within
     * {@code ratio} x the requests it received in the last {@code windowMs}, plus {@code minPerSecond} retries per
     * second, so a failing deployment never gets Sluice's retries on top of its callers' own.
     */
    public record RetryBudget(boolean enabled, double ratio, double minPerSecond, long windowMs) {}

    /**
     * The {@code retry-after} / {@code retry-after-ms} of a final 5xx: the upstream's own or the time until a circuit
     * half-opens, never below {@code floorMs}, never above {@code maxMs}.
     */
    public record RetryHints(long floorMs, long maxMs) {}

    /**
     * A caller-declared timeout ({@code x-sluice-timeout-ms}, or {@code X-Stainless-Timeout} in seconds as the
     * official SDKs send it) shortens the request's total upstream time to that timeout less a margin of
     * {@code marginMs} (at most half of it), so the caller gets Sluice's 504 before it gives up itself.
     */
    public record CallerDeadlines(boolean enabled, long marginMs) {}

    /** Where the country of a request comes from: a header set by a trusted edge, or a CIDR→country CSV file. */
    public record Region(String countryHeader, String countryTable) {}

    /**
     * The declarative bootstrap of the access model ({@code access:} in sluice.yaml), applied idempotently at start.
     * A list left out is not touched; a list given (even empty) replaces what is stored for its organization or
     * project.
     */
    public record Access(List<String> unsupportedCountries, List<AccessUser> users, List<AccessOrganization> organizations) {}

    public record AccessUser(String email, String name) {}

    public record AccessOrganization(String name, List<AccessMember> members, List<String> ipAllowlist,
                                     List<String> unsupportedCountries, List<String> visibleModels,
                                     List<String> allowedModels, List<AccessProject> projects) {}

    public record AccessMember(String email, String role) {}

    public record AccessProject(String name, List<String> ipAllowlist, List<String> allowedModels,
                                List<String> serviceAccounts, List<AccessKey> keys) {}

    /** A declared key: its secret is read from the environment variable {@code secretEnv}, never from the file. */
    public record AccessKey(String name, String secretEnv, String owner, String serviceAccount, List<String> scopes,
                            String expiresAt) {}

    /** {@code kind}: sqlite (embedded, file under data_dir) or postgres (url/user, password from an env var). */
    public record Storage(StorageKind kind, String url, String user, String passwordEnv, String schema) {}

    public record Simulator(boolean enabled, boolean faults, int tokensPerSecond, int embeddingDimensions) {}

    public record Timeouts(long connectMs, long firstByteMs, long idleMs, long totalMs) {}

    /**
     * Upstream attempts per client request (first try included), across deployments; jittered exponential backoff
     * between tries of one deployment, at least the upstream's retry-after up to {@code maxRetryAfterMs}.
     */
    public record Retries(int maxAttempts, long baseBackoffMs, long maxBackoffMs, long maxRetryAfterMs) {}

    /** Per deployment: open after {@code failureThreshold} consecutive failures, probe again after {@code openMs}. */
    public record Breaker(int failureThreshold, long openMs) {}

    /**
     * Idempotency-Key records: {@code backend} memory (Caffeine, bounded by {@code maxBytes}) or redis (the one
     * {@link Redis} connection); completed answers kept {@code ttlMs}; {@code failOpen} serves requests without
     * de-duplication when the store fails. {@code redisUrl} is legacy, accepted only when equal to {@code redis.url}.
     */
    public record Idempotency(StoreBackend backend, String redisUrl, String keyPrefix, long ttlMs, long maxBytes,
                              boolean failOpen) {}

    /**
     * A model. {@code fallbacks}: other models tried in order when all deployments fail with a retryable or
     * unavailable error; {@code contextWindowFallbacks}: larger-context models used instead of answering
     * context_length_exceeded.
     */
    public record Model(String id, String family, String modality, int contextWindow, int maxOutputTokens,
                        String tokenizer, Price price, List<ModelDeployment> deployments,
                        List<String> fallbacks,
                        List<String> contextWindowFallbacks) {}

    public record Price(@JsonProperty("input_per_1m") double inputPer1m,
                        @JsonProperty("output_per_1m") double outputPer1m) {}

    /**
     * One deployment of a model. {@code apiKeyFile} is read when {@code apiKeyEnv} is not set; {@code region},
     * {@code apiVersion} and {@code auth} are read by the providers that use them (docs/providers.md).
     * {@code forwardSimHeader} sends the caller's {@code x-sluice-sim} along, for a deployment that points at a
     * {@code sluice sim} provider flavor (tests, demos); never set it for a real provider.
     */
    public record ModelDeployment(String name, String provider, String baseUrl, String model, String apiKeyEnv,
                                  Integer weight,
                                  String apiKeyFile,
                                  String region,
                                  String apiVersion,
                                  String auth,
                                  Boolean forwardSimHeader,
                                  Integer maxConnections,
                                  Integer maxStreams,
                                  Http2Mode http2) {}

    /** Files API uploads: at most {@code maxBytes} bytes and {@code maxLines} lines (JSONL). */
    public record FileLimits(long maxBytes, int maxLines) {}

    /**
     * Batch API: lines of one batch in flight at once ({@code concurrency}), the most lines a batch may have
     * ({@code maxTasks}), how long a gateway's claim on a running batch lasts without renewal ({@code leaseMs}), and
     * the pace of a batch while live traffic is being served ({@code yieldLinesPerSecond}, one line at a time).
     */
    public record BatchSettings(int concurrency, int maxTasks, long leaseMs, int yieldLinesPerSecond) {}

    /** Secrets come only from the environment; they are never written to the config file or logged. */
    public record Secrets(String adminToken, String demoKey) {
        @Override
        public String toString() {
            return "Secrets[adminToken=" + (adminToken == null ? "unset" : "set") + ", demoKey="
                    + (demoKey == null ? "unset" : "set") + "]";
        }
    }

    /**
     * Rate limits: {@code store} memory (one process) or redis (shared by every gateway); {@code defaults} per model
     * family for every organization and every project, overridable per org/project through the admin API.
     */
    public record Limits(StoreBackend store, boolean failOpen, long reloadMs, java.util.Map<String, FamilyLimits> defaults) {}

    /** The default limits of one model family at each level; a missing level or value means no limit. */
    public record FamilyLimits(LimitValues organization, LimitValues project) {}

    /** Requests/tokens per minute and per day, images per minute; null = unlimited. */
    public record LimitValues(Long rpm, Long rpd, Long tpm, Long tpd, Long ipm) {}

    /**
     * The one Redis connection of scale-out mode, shared by limits, slow-down counters and idempotency records
     * ({@code dev.sluice.gateway.redis.RedisConnection}); limit keys start with {@code keyPrefix}. A script call
     * (a limit decision, a slow-down count, an idempotency record) that gets no answer within {@code scriptTimeoutMs}
     * fails (limits then fail closed unless {@code limits.fail_open}).
     */
    public record Redis(String url, String keyPrefix, int poolSize, long scriptTimeoutMs) {}

    /**
     * Budgets and credits given to every organization/project that has none of its own (null = none), and how the
     * usage ledger is written: every {@code ledgerFlushMs} or {@code ledgerBatchSize} records, whichever comes first,
     * with at most {@code ledgerQueueCapacity} records waiting.
     */
    public record Quotas(Double orgMonthlyBudgetUsd, Double projectMonthlyBudgetUsd, Double orgCreditsUsd,
                         Double projectCreditsUsd, long ledgerFlushMs, int ledgerBatchSize, long refreshMs,
                         int ledgerQueueCapacity) {}

    /**
     * Admission control: an adaptive concurrency limit ({@code gradient2}, {@code vegas} or {@code fixed}) and a short
     * queue for unary requests; a stream takes no slot and counts against {@code maxStreams} open streams instead.
     */
    public record Overload(boolean enabled, AdmissionAlgorithm algorithm, int initialLimit, int minLimit, int maxLimit,
                           int queueSize, long queueTimeoutMs, int retryAfterSeconds, int maxStreams) {}

    /** Slow Down per project: refuse when the last minute exceeds {@code floorRpm} and {@code factor} x the 15-minute average. */
    public record SlowDown(boolean enabled, long floorRpm, double factor, double ramp) {}

    /**
     * Graceful drain on SIGTERM: in-flight requests and streams get up to {@code drainMs} to finish; then what is
     * left ends with 503 server_shutting_down (in-band once a stream has started).
     */
    public record Shutdown(long drainMs) {}

    /** Hot reload (SIGHUP, {@code POST /v1/config/reload}); {@code watch}: also when the config file changes. */
    public record Reload(boolean watch) {}

    /** Log lines: {@code auto} (text on a terminal, JSON otherwise), {@code json} or {@code text}. */
    public record Log(LogFormat format) {}

    /** The admin console: how long a signed-in session lasts, and how long a wrong admin token waits for its answer. */
    public record Console(long sessionTtlMs, long signInDelayMs) {}

    /**
     * Metrics, traces and the access log's sampling ({@code docs/observability.md}). {@code projectLabels}: projects
     * that always get their own {@code project} label; {@code maxProjectLabels}: how many other projects get one
     * (first seen), the rest are counted as {@code other}. {@code vertxHttpMetrics}: with {@code vertxMetrics}, also
     * Vert.x's per-request HTTP server and client series ({@code vertx_http_*}), off by default: they are looked up
     * by tags on every request and attempt and repeat the gateway's own request and upstream series.
     */
    public record Observability(boolean jvmMetrics, boolean vertxMetrics, boolean vertxHttpMetrics,
                                List<String> projectLabels,
                                int maxProjectLabels, double traceSampleRatio, String otlpEndpoint,
                                double accessLogSuccessSampleRatio, long otlpMetricsStepMs) {}

    /**
     * Connections to the upstreams, per deployment (a deployment's {@code max_connections} / {@code max_streams}
     * override these): at most {@code maxConnections} connections; over HTTP/2 each carries up to {@code maxStreams}
     * requests at once. A request that finds them all busy waits up to {@code waitMs} for one (at most
     * {@code maxWaiting} wait), then gets 503 upstream_capacity; that wait is apart from the first-byte timeout.
     */
    public record UpstreamPool(int maxConnections, int maxStreams, long waitMs, int maxWaiting) {}


    /**
     * How both HTTP ports treat slow, silent, greedy or malformed clients ({@code server:}): a new connection (or one
     * that started a request after being idle) must complete its headers within {@code headerTimeoutMs}; a
     * keep-alive connection with nothing to do is closed after {@code idleTimeoutMs}; a body must arrive at
     * {@code minBodyBytesPerSecond} or more once {@code bodyRateGraceMs} have passed; each port holds at most
     * {@code maxConnections} connections and one client address at most {@code maxConnectionsPerAddress}; request
     * bodies being received hold at most {@code maxBodyBytesInFlight} bytes in all and
     * {@code maxBodyBytesInFlightPerKey} per API key; the request line and the headers are limited to
     * {@code maxUrlBytes} and {@code maxHeaderBytes}. {@code metricsTokenEnv} names an environment variable holding
     * a bearer token that {@code /metrics} then requires (unset: open, as before). {@code eventLoops}: the public
     * port is served by that many servers, one per event loop (0 = one per core). {@code eventLoopSpinUs}: how long
     * an event loop with nothing to do keeps looking for ready sockets before it sleeps (0 = it sleeps at once; read
     * at start). {@code warmup}: the request path is exercised before {@code /health/ready} turns ready.
     */
    public record Server(long headerTimeoutMs, long idleTimeoutMs, long minBodyBytesPerSecond, long bodyRateGraceMs,
                         int maxConnections, int maxConnectionsPerAddress, long maxBodyBytesInFlight,
                         long maxBodyBytesInFlightPerKey, int maxUrlBytes, int maxHeaderBytes,
                         String metricsTokenEnv,
                         int eventLoops, int eventLoopSpinUs, Warmup warmup) {}

    /**
     * Warm-up before readiness ({@code server.warmup}): when {@code enabled}, {@code /health/ready} answers 503 while
     * requests (chat, plain and streamed) go through a private copy of the request path against an internal
     * simulator, {@code concurrency} at a time: at least {@code minRequests} (or {@code maxRequests} if fewer), then until the JIT compilers used less
     * than {@code settleCores} of a core over the last second (0: no such end), or {@code maxRequests} were answered,
     * or {@code maxMs} passed, whichever comes first.
     */
    public record Warmup(boolean enabled, int minRequests, int maxRequests, double settleCores, long maxMs,
                         int concurrency) {}
}
