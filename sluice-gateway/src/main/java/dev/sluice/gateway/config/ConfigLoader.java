package dev.sluice.gateway.config;

import dev.sluice.gateway.config.choice.StorageKind;
import dev.sluice.gateway.config.choice.StoreBackend;
import dev.sluice.gateway.config.choice.ConfigChoice;
import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.knuddels.jtokkit.api.EncodingType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds {@link SluiceConfig}: bundled defaults, then the YAML file, then {@code SLUICE_<KEY_PATH>} environment
 * variables (every scalar key, e.g. {@code SLUICE_PORT}, {@code SLUICE_SIMULATOR_FAULTS},
 * {@code SLUICE_UPSTREAM_TIMEOUTS_FIRST_BYTE_MS}), then flags. Any problem is a {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = Json.CONFIG;
    private static final Set<String> MODALITIES = Set.of("chat", "embeddings", "images");

    /** Values given on the command line; null = not given. */
    public record Flags(Path config, Integer port, Integer adminPort, String dataDir) {
        public static Flags none() { return new Flags(null, null, null, null); }
    }

    private ConfigLoader() {}

    public static SluiceConfig load(Flags flags, Map<String, String> env) {
        ObjectNode tree = defaults();
        Path file = flags.config() != null ? flags.config()
                : env.get("SLUICE_CONFIG") != null && !env.get("SLUICE_CONFIG").isBlank()
                ? Path.of(env.get("SLUICE_CONFIG")) : null;
        if (file != null) merge(tree, readFile(file));
        applyEnv(tree, "SLUICE", env);
        if (flags.port() != null) tree.put("port", flags.port());
        if (flags.adminPort() != null) tree.put("admin_port", flags.adminPort());
        if (flags.dataDir() != null) tree.put("data_dir", flags.dataDir());
        ObjectNode secrets = tree.putObject("secrets");
        secrets.put("admin_token", blankToNull(env.get("SLUICE_ADMIN_TOKEN")));
        secrets.put("demo_key", blankToNull(env.get("SLUICE_DEMO_KEY")));
        SluiceConfig cfg = bind(tree, file);
        validate(cfg);
        AccessConfigValidation.validate(cfg, env);
        return cfg;
    }

    private static ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/sluice-defaults.yaml")) {
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("bundled defaults unreadable", e);
        }
    }

    private static ObjectNode readFile(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException("Invalid config: file " + file + " does not exist");
        try {
            JsonNode n = YAML.readTree(file.toFile());
            if (n == null || n.isMissingNode() || n.isNull()) return YAML.createObjectNode();
            if (!n.isObject()) throw new ConfigException("Invalid config: " + file + " must be a YAML mapping");
            return (ObjectNode) n;
        } catch (IOException e) {
            throw new ConfigException("Invalid config: " + file + " is not valid YAML: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Deep merge of mappings; sequences and scalars are replaced whole. */
    static void merge(ObjectNode into, ObjectNode from) {
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode vo) merge(eo, vo);
            else into.set(e.getKey(), e.getValue());
        }
    }

    private static void applyEnv(ObjectNode node, String prefix, Map<String, String> env) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = prefix + "_" + e.getKey().toUpperCase(Locale.ROOT);
            if (e.getValue() instanceof ObjectNode child) {
                applyEnv(child, name, env);
            } else if (!e.getValue().isArray() && env.containsKey(name)) {
                e.setValue(TextNode.valueOf(env.get(name)));
            }
        }
    }

    private static SluiceConfig bind(ObjectNode tree, Path file) {
        try {
            return YAML.treeToValue(tree, SluiceConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("Invalid config" + where(file) + ": unknown key '" + path(e) + "'");
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof ConfigChoice.Invalid bad) {
                throw new ConfigException("Invalid config: key '" + path(e) + "' " + bad.getMessage());
            }
            String msg = e.getOriginalMessage().lines().findFirst().orElse("");
            int hint = msg.indexOf(" (set DeserializationConfig");
            if (hint > 0) msg = msg.substring(0, hint);
            if (msg.contains("`null`")) msg = "a value is required";
            throw new ConfigException("Invalid config" + where(file) + ": key '" + path(e) + "': " + msg);
        } catch (IOException e) {
            throw new ConfigException("Invalid config" + where(file) + ": " + e.getMessage());
        }
    }

    private static String where(Path file) {
        return file == null ? "" : " (" + file + ")";
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static void validate(SluiceConfig c) {
        port("port", c.port());
        port("admin_port", c.adminPort());
        if (c.port() != 0 && c.port() == c.adminPort()) {
            throw new ConfigException("Invalid config: key 'admin_port' must differ from 'port' (" + c.port() + ")");
        }
        require(c.host() != null && !c.host().isBlank(), "host", "must not be empty");
        require(c.dataDir() != null && !c.dataDir().isBlank(), "data_dir", "must not be empty");
        require(c.maxBodyBytes() > 0, "max_body_bytes", "must be positive");
        require(c.storage() != null, "storage", "is required");
        StorageKind kind = c.storage().kind();
        require(kind != null, "storage.kind", "is required");
        if (kind == StorageKind.POSTGRES) {
            require(c.storage().url() != null && c.storage().url().startsWith("jdbc:postgresql:"), "storage.url",
                    "must be a jdbc:postgresql: URL when storage.kind is postgres");
        }
        require(c.simulator().tokensPerSecond() >= 0, "simulator.tokens_per_second", "must be >= 0");
        require(c.simulator().embeddingDimensions() > 0, "simulator.embedding_dimensions", "must be positive");
        SluiceConfig.Timeouts t = c.upstreamTimeouts();
        require(t.connectMs() > 0, "upstream_timeouts.connect_ms", "must be positive");
        require(t.firstByteMs() > 0, "upstream_timeouts.first_byte_ms", "must be positive");
        require(t.idleMs() > 0, "upstream_timeouts.idle_ms", "must be positive");
        require(t.totalMs() > 0, "upstream_timeouts.total_ms", "must be positive");
        SluiceConfig.Retries r = c.upstreamRetries();
        require(r.maxAttempts() >= 1 && r.maxAttempts() <= 10, "upstream_retries.max_attempts", "must be 1-10");
        require(r.baseBackoffMs() >= 0, "upstream_retries.base_backoff_ms", "must be >= 0");
        require(r.maxBackoffMs() >= r.baseBackoffMs(), "upstream_retries.max_backoff_ms",
                "must be >= upstream_retries.base_backoff_ms");
        require(r.maxRetryAfterMs() >= 0, "upstream_retries.max_retry_after_ms", "must be >= 0");
        require(c.circuitBreaker().failureThreshold() >= 1, "circuit_breaker.failure_threshold", "must be >= 1");
        require(c.circuitBreaker().openMs() > 0, "circuit_breaker.open_ms", "must be positive");
        SluiceConfig.Idempotency idem = c.idempotency();
        require(idem.backend() != null, "idempotency.backend", "is required");
        if (idem.backend() == StoreBackend.REDIS) {
            requireRedisUrl(c, "idempotency.backend");
        }
        // One Redis connection (the redis: section) serves every Redis user; the old per-store URL is accepted only
        // when it names that same server, so a config cannot silently split limits and idempotency over two.
        require(idem.redisUrl() == null || c.redis() != null && idem.redisUrl().equals(c.redis().url()),
                "idempotency.redis_url", "must be left out (idempotency uses redis.url, the one Redis connection) "
                        + "or equal redis.url");
        require(idem.keyPrefix() != null, "idempotency.key_prefix", "is required");
        require(idem.ttlMs() > 0, "idempotency.ttl_ms", "must be positive");
        require(idem.maxBytes() > 0, "idempotency.max_bytes", "must be positive");
        require(c.files().maxBytes() > 0, "files.max_bytes", "must be positive");
        require(c.files().maxLines() > 0, "files.max_lines", "must be positive");
        require(c.batch().concurrency() > 0 && c.batch().concurrency() <= 1024, "batch.concurrency", "must be 1-1024");
        require(c.batch().maxTasks() > 0, "batch.max_tasks", "must be positive");
        require(c.batch().leaseMs() >= 1000, "batch.lease_ms", "must be at least 1000");
        require(c.batch().yieldLinesPerSecond() > 0, "batch.yield_lines_per_second", "must be positive");
        require(c.models() != null && !c.models().isEmpty(), "models", "must list at least one model");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < c.models().size(); i++) {
            SluiceConfig.Model m = c.models().get(i);
            String k = "models[" + i + "]";
            require(m.id() != null && !m.id().isBlank(), k + ".id", "is required");
            require(ids.add(m.id()), k + ".id", "duplicates model '" + m.id() + "'");
            require(m.family() != null && !m.family().isBlank(), k + ".family", "is required");
            require(m.modality() != null && MODALITIES.contains(m.modality()), k + ".modality",
                    "must be one of " + MODALITIES.stream().sorted().toList());
            require(m.tokenizer() != null && EncodingType.fromName(m.tokenizer()).isPresent(), k + ".tokenizer",
                    "unknown tokenizer '" + m.tokenizer() + "' (expected one of "
                            + java.util.Arrays.stream(EncodingType.values()).map(EncodingType::getName)
                            .collect(Collectors.joining(", ")) + ")");
            require(m.contextWindow() > 0, k + ".context_window", "must be positive");
            require(m.maxOutputTokens() >= 0, k + ".max_output_tokens", "must be >= 0");
            require(m.price() != null && m.price().inputPer1m() >= 0 && m.price().outputPer1m() >= 0,
                    k + ".price", "needs input_per_1m and output_per_1m >= 0");
            require(m.deployments() != null && !m.deployments().isEmpty(), k + ".deployments",
                    "must list at least one deployment");
            List<String> names = new ArrayList<>();
            for (int d = 0; d < m.deployments().size(); d++) {
                SluiceConfig.ModelDeployment dep = m.deployments().get(d);
                String dk = k + ".deployments[" + d + "]";
                ProviderConfig.validate(dep, dk, c.simulator().enabled());
                require(dep.weight() == null || dep.weight() > 0, dk + ".weight", "must be > 0");
                require((dep.weight() == null) == (m.deployments().getFirst().weight() == null), dk + ".weight",
                        "must be set on every deployment of the model or on none (weighted or ordered routing)");
                UpstreamPoolConfig.validateDeployment(dep, dk);
                names.add(dep.name());
            }
        }
        FallbackConfig.validate(c.models());
        validateTraffic(c);
        validateOperations(c);
        validateServer(c);
        validateRetryProtection(c);
        UpstreamPoolConfig.validate(c.upstreamPool());
        UpstreamPoolConfig.validateServer(c.server());
    }

    /** The shutdown, reload and log sections. */
    private static void validateOperations(SluiceConfig c) {
        require(c.shutdown() != null && c.shutdown().drainMs() >= 0 && c.shutdown().drainMs() <= 3_600_000,
                "shutdown.drain_ms", "must be between 0 and 3600000");
        require(c.reload() != null, "reload", "is required");
        require(c.log() != null && c.log().format() != null, "log.format", "is required");
    }

    /** {@code admin_host} and the {@code server:} section (hostile-client limits of both ports). */
    private static void validateServer(SluiceConfig c) {
        require(c.adminHost() != null && !c.adminHost().isBlank(), "admin_host", "must not be empty");
        SluiceConfig.Server s = c.server();
        require(s != null, "server", "is required");
        require(s.headerTimeoutMs() >= 100, "server.header_timeout_ms", "must be at least 100");
        require(s.idleTimeoutMs() >= 100, "server.idle_timeout_ms", "must be at least 100");
        require(s.minBodyBytesPerSecond() >= 0, "server.min_body_bytes_per_second", "must be >= 0 (0 = no minimum)");
        require(s.bodyRateGraceMs() >= 100, "server.body_rate_grace_ms", "must be at least 100");
        require(s.maxConnections() >= 1, "server.max_connections", "must be positive");
        require(s.maxConnectionsPerAddress() >= 1 && s.maxConnectionsPerAddress() <= s.maxConnections(),
                "server.max_connections_per_address", "must be between 1 and server.max_connections");
        require(s.maxBodyBytesInFlight() >= c.maxBodyBytes(), "server.max_body_bytes_in_flight",
                "must be at least max_body_bytes (" + c.maxBodyBytes() + ")");
        require(s.maxBodyBytesInFlightPerKey() >= c.maxBodyBytes()
                        && s.maxBodyBytesInFlightPerKey() <= s.maxBodyBytesInFlight(),
                "server.max_body_bytes_in_flight_per_key",
                "must be between max_body_bytes and server.max_body_bytes_in_flight");
        require(s.maxUrlBytes() >= 256 && s.maxUrlBytes() <= 65_536, "server.max_url_bytes", "must be 256-65536");
        require(s.maxHeaderBytes() >= 1024 && s.maxHeaderBytes() <= 65_536, "server.max_header_bytes",
                "must be 1024-65536");
        SluiceConfig.Warmup w = s.warmup();
        require(w != null, "server.warmup", "is required");
        require(w.maxRequests() >= 1, "server.warmup.max_requests", "must be positive");
        require(w.minRequests() >= 0, "server.warmup.min_requests", "must not be negative");
        require(w.settleCores() >= 0 && w.settleCores() <= 64, "server.warmup.settle_cores", "must be 0-64");
        require(w.maxMs() >= 100, "server.warmup.max_ms", "must be at least 100");
        require(w.concurrency() >= 1 && w.concurrency() <= 256, "server.warmup.concurrency", "must be 1-256");
    }

    /** The retry budget, retry hints and caller deadlines (docs/upstreams.md, "Retries that fit the callers"). */
    private static void validateRetryProtection(SluiceConfig c) {
        SluiceConfig.RetryBudget b = c.retryBudget();
        require(b.ratio() >= 0 && b.ratio() <= 10, "retry_budget.ratio", "must be between 0 and 10");
        require(b.minPerSecond() >= 0, "retry_budget.min_per_second", "must be >= 0");
        require(b.windowMs() >= 1000, "retry_budget.window_ms", "must be at least 1000");
        require(c.retryHints().floorMs() >= 0, "retry_hints.floor_ms", "must be >= 0");
        require(c.retryHints().maxMs() >= c.retryHints().floorMs(), "retry_hints.max_ms",
                "must be >= retry_hints.floor_ms");
        require(c.callerDeadlines().marginMs() >= 0, "caller_deadlines.margin_ms", "must be >= 0");
    }

    /** {@code redis.url} must be usable because {@code user} (a key set to redis) needs it. */
    private static void requireRedisUrl(SluiceConfig c, String user) {
        SluiceConfig.Redis r = c.redis();
        require(r != null && r.url() != null && (r.url().startsWith("redis://") || r.url().startsWith("rediss://")),
                "redis.url", "must be a redis:// or rediss:// URL when " + user + " is redis");
    }

    /** Limits, Redis, quotas, overload and slow-down sections. */
    private static void validateTraffic(SluiceConfig c) {
        SluiceConfig.Limits l = c.limits();
        require(l != null, "limits", "is required");
        require(l.store() != null, "limits.store", "is required");
        require(l.reloadMs() >= 100 && l.reloadMs() <= 60_000, "limits.reload_ms", "must be between 100 and 60000");
        if (l.defaults() != null) {
            for (Map.Entry<String, SluiceConfig.FamilyLimits> e : l.defaults().entrySet()) {
                String k = "limits.defaults." + e.getKey();
                require(e.getValue() != null, k, "must be a mapping with 'organization' and/or 'project'");
                limitValues(k + ".organization", e.getValue().organization());
                limitValues(k + ".project", e.getValue().project());
            }
        }
        if (l.store() == StoreBackend.REDIS) requireRedisUrl(c, "limits.store");
        if (c.redis() != null) {
            require(c.redis().poolSize() >= 1 && c.redis().poolSize() <= 256, "redis.pool_size", "must be between 1 and 256");
            require(c.redis().scriptTimeoutMs() >= 1 && c.redis().scriptTimeoutMs() <= 60_000, "redis.script_timeout_ms",
                    "must be between 1 and 60000");
            require(c.redis().keyPrefix() != null, "redis.key_prefix", "must be a string (may be empty)");
        }
        SluiceConfig.Quotas q = c.quotas();
        require(q != null, "quotas", "is required");
        usd("quotas.org_monthly_budget_usd", q.orgMonthlyBudgetUsd());
        usd("quotas.project_monthly_budget_usd", q.projectMonthlyBudgetUsd());
        usd("quotas.org_credits_usd", q.orgCreditsUsd());
        usd("quotas.project_credits_usd", q.projectCreditsUsd());
        require(q.ledgerFlushMs() >= 1 && q.ledgerFlushMs() <= 600_000, "quotas.ledger_flush_ms", "must be between 1 and 600000");
        require(q.ledgerBatchSize() >= 1 && q.ledgerBatchSize() <= 100_000, "quotas.ledger_batch_size", "must be between 1 and 100000");
        require(q.ledgerQueueCapacity() >= q.ledgerBatchSize() && q.ledgerQueueCapacity() <= 10_000_000,
                "quotas.ledger_queue_capacity", "must be at least quotas.ledger_batch_size and at most 10000000");
        require(q.refreshMs() >= 100 && q.refreshMs() <= 600_000, "quotas.refresh_ms", "must be between 100 and 600000");
        SluiceConfig.Overload o = c.overload();
        require(o != null, "overload", "is required");
        require(o.algorithm() != null, "overload.algorithm", "is required");
        require(o.minLimit() >= 1, "overload.min_limit", "must be >= 1");
        require(o.maxLimit() >= o.minLimit(), "overload.max_limit", "must be >= overload.min_limit");
        require(o.initialLimit() >= o.minLimit() && o.initialLimit() <= o.maxLimit(), "overload.initial_limit",
                "must be between overload.min_limit and overload.max_limit");
        require(o.queueSize() >= 0, "overload.queue_size", "must be >= 0");
        require(o.queueTimeoutMs() >= 1 && o.queueTimeoutMs() <= 60_000, "overload.queue_timeout_ms", "must be between 1 and 60000");
        require(o.retryAfterSeconds() >= 1, "overload.retry_after_seconds", "must be >= 1");
        require(o.maxStreams() >= 1, "overload.max_streams", "must be >= 1");
        SluiceConfig.SlowDown sd = c.slowDown();
        require(sd != null, "slow_down", "is required");
        require(sd.floorRpm() >= 1, "slow_down.floor_rpm", "must be >= 1");
        require(sd.factor() >= 1, "slow_down.factor", "must be >= 1");
        require(sd.ramp() >= 0, "slow_down.ramp", "must be >= 0");
        SluiceConfig.Console con = c.console();
        require(con != null, "console", "is required");
        require(con.sessionTtlMs() >= 60_000, "console.session_ttl_ms", "must be >= 60000 (one minute)");
        require(con.signInDelayMs() >= 1 && con.signInDelayMs() <= 60_000, "console.sign_in_delay_ms",
                "must be between 1 and 60000");
        SluiceConfig.Observability obs = c.observability();
        require(obs != null, "observability", "is required");
        require(obs.maxProjectLabels() >= 0 && obs.maxProjectLabels() <= 10_000, "observability.max_project_labels",
                "must be between 0 and 10000");
        require(obs.traceSampleRatio() >= 0 && obs.traceSampleRatio() <= 1, "observability.trace_sample_ratio",
                "must be between 0 and 1");
        require(obs.accessLogSuccessSampleRatio() >= 0 && obs.accessLogSuccessSampleRatio() <= 1,
                "observability.access_log_success_sample_ratio", "must be between 0 and 1");
        require(obs.otlpEndpoint() == null || obs.otlpEndpoint().startsWith("http://")
                || obs.otlpEndpoint().startsWith("https://"), "observability.otlp_endpoint",
                "must be an http:// or https:// URL (or left out: no OTLP export)");
        require(obs.otlpMetricsStepMs() >= 1000, "observability.otlp_metrics_step_ms", "must be >= 1000");
    }

    /** The largest limit value: keeps the bucket arithmetic (limit x window in ms) inside 64 bits. */
    public static final long MAX_LIMIT = 10_000_000_000L;

    private static void limitValues(String key, SluiceConfig.LimitValues v) {
        if (v == null) return;
        Long[] values = {v.rpm(), v.rpd(), v.tpm(), v.tpd(), v.ipm()};
        String[] names = {"rpm", "rpd", "tpm", "tpd", "ipm"};
        for (int i = 0; i < values.length; i++) {
            require(values[i] == null || (values[i] >= 1 && values[i] <= MAX_LIMIT), key + "." + names[i],
                    "must be between 1 and " + MAX_LIMIT + " (leave it out for no limit)");
        }
    }

    private static void usd(String key, Double v) {
        require(v == null || (v >= 0 && v <= 1e9 && !v.isNaN()), key, "must be an amount in USD between 0 and 1e9");
    }

    private static void port(String key, int p) {
        require(p >= 0 && p <= 65535, key, "must be a port number 0-65535, not " + p);
    }

    private static void require(boolean ok, String key, String why) {
        if (!ok) throw new ConfigException("Invalid config: key '" + key + "' " + why);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
