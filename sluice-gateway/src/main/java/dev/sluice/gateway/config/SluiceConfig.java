package dev.sluice.gateway.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The whole configuration, immutable, built once at start from the bundled defaults, {@code sluice.yaml},
 * {@code SLUICE_*} environment variables and command-line flags (in that order of precedence, last wins).
 * Field names map to snake_case keys in YAML.
 */
public record SluiceConfig(int port, int adminPort, String host, String dataDir, long maxBodyBytes,
                           Storage storage, Simulator simulator, Timeouts upstreamTimeouts, List<Model> models,
                           Secrets secrets,
                           FileLimits files, BatchSettings batch) {

    /** {@code kind}: sqlite (embedded, file under data_dir) or postgres (url/user, password from an env var). */
    public record Storage(String kind, String url, String user, String passwordEnv, String schema) {}

    public record Simulator(boolean enabled, boolean faults, int tokensPerSecond, int embeddingDimensions) {}

    public record Timeouts(long connectMs, long firstByteMs, long idleMs, long totalMs) {}

    public record Model(String id, String family, String modality, int contextWindow, int maxOutputTokens,
                        String tokenizer, Price price, List<ModelDeployment> deployments) {}

    public record Price(@JsonProperty("input_per_1m") double inputPer1m,
                        @JsonProperty("output_per_1m") double outputPer1m) {}

    public record ModelDeployment(String name, String provider, String baseUrl, String model, String apiKeyEnv,
                                  Integer weight) {}

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
}
