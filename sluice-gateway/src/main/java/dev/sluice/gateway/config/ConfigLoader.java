package dev.sluice.gateway.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final Set<String> PROVIDERS = Set.of("sim", "openai", "detail");
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
        String kind = c.storage().kind();
        require("sqlite".equals(kind) || "postgres".equals(kind), "storage.kind",
                "must be 'sqlite' or 'postgres', not '" + kind + "'");
        if ("postgres".equals(kind)) {
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
                require(dep.provider() != null && PROVIDERS.contains(dep.provider()), dk + ".provider",
                        "must be one of " + PROVIDERS.stream().sorted().toList());
                require(!"sim".equals(dep.provider()) || dep.baseUrl() != null || c.simulator().enabled(),
                        dk + ".base_url", "is required when the embedded simulator is disabled");
                require("sim".equals(dep.provider()) || dep.baseUrl() != null, dk + ".base_url", "is required");
                if (dep.baseUrl() != null) {
                    require(dep.baseUrl().startsWith("http://") || dep.baseUrl().startsWith("https://"),
                            dk + ".base_url", "must start with http:// or https://");
                }
                require(dep.weight() == null || dep.weight() >= 0, dk + ".weight", "must be >= 0");
                names.add(dep.name());
            }
        }
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
