package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The upstream_retries, circuit_breaker and idempotency settings: defaults, overrides, and refusals naming the key. */
class UpstreamConfigTest {
    @TempDir
    Path dir;

    SluiceConfig load(String yaml, Map<String, String> env) throws Exception {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), env);
    }

    void refused(String yaml, String key) {
        assertThatThrownBy(() -> load(yaml, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + key + "'");
    }

    @Test
    void theDefaultsAreThreeAttemptsAFiveFailureBreakerAndAnInMemoryDayOfIdempotency() {
        SluiceConfig c = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
        assertThat(c.upstreamRetries()).isEqualTo(new SluiceConfig.Retries(3, 200, 5000, 10_000));
        assertThat(c.circuitBreaker()).isEqualTo(new SluiceConfig.Breaker(5, 30_000));
        assertThat(c.idempotency().backend().configName()).isEqualTo("memory");
        assertThat(c.idempotency().ttlMs()).isEqualTo(86_400_000L);
        assertThat(c.idempotency().failOpen()).isTrue();
    }

    @Test
    void theRetryProtectionDefaultsAreABudgetOf30PercentAOneSecondHintAndHonouredDeadlines() throws Exception {
        SluiceConfig c = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
        assertThat(c.retryBudget()).isEqualTo(new SluiceConfig.RetryBudget(true, 0.3, 0.1, 10_000));
        assertThat(c.retryHints()).isEqualTo(new SluiceConfig.RetryHints(1000, 60_000));
        assertThat(c.callerDeadlines()).isEqualTo(new SluiceConfig.CallerDeadlines(true, 1000));
        SluiceConfig env = load("", Map.of("SLUICE_RETRY_BUDGET_RATIO", "0.5", "SLUICE_RETRY_HINTS_FLOOR_MS", "2000",
                "SLUICE_CALLER_DEADLINES_ENABLED", "false"));
        assertThat(env.retryBudget().ratio()).isEqualTo(0.5);
        assertThat(env.retryHints().floorMs()).isEqualTo(2000);
        assertThat(env.callerDeadlines().enabled()).isFalse();
        refused("retry_budget:\n  ratio: -0.1\n", "retry_budget.ratio");
        refused("retry_budget:\n  min_per_second: -1\n", "retry_budget.min_per_second");
        refused("retry_budget:\n  window_ms: 10\n", "retry_budget.window_ms");
        refused("retry_hints:\n  floor_ms: 5000\n  max_ms: 1000\n", "retry_hints.max_ms");
        refused("caller_deadlines:\n  margin_ms: -1\n", "caller_deadlines.margin_ms");
    }

    @Test
    void everySettingCanComeFromTheEnvironment() throws Exception {
        SluiceConfig c = load("", Map.of("SLUICE_UPSTREAM_RETRIES_MAX_ATTEMPTS", "5",
                "SLUICE_CIRCUIT_BREAKER_OPEN_MS", "1000", "SLUICE_IDEMPOTENCY_BACKEND", "redis"));
        assertThat(c.upstreamRetries().maxAttempts()).isEqualTo(5);
        assertThat(c.circuitBreaker().openMs()).isEqualTo(1000);
        assertThat(c.idempotency().backend().configName()).isEqualTo("redis");
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        refused("upstream_retries:\n  max_attempts: 0\n", "upstream_retries.max_attempts");
        refused("upstream_retries:\n  base_backoff_ms: 500\n  max_backoff_ms: 100\n", "upstream_retries.max_backoff_ms");
        refused("upstream_retries:\n  max_retry_after_ms: -1\n", "upstream_retries.max_retry_after_ms");
        refused("upstream_retries:\n  retries: 3\n", "upstream_retries.retries");
        refused("circuit_breaker:\n  failure_threshold: 0\n", "circuit_breaker.failure_threshold");
        refused("circuit_breaker:\n  open_ms: 0\n", "circuit_breaker.open_ms");
        refused("idempotency:\n  backend: memcached\n", "idempotency.backend");
        refused("idempotency:\n  backend: redis\n  redis_url: http://x\n", "idempotency.redis_url");
        refused("idempotency:\n  ttl_ms: 0\n", "idempotency.ttl_ms");
    }

    @Test
    void weightsArePositiveAndSetOnAllDeploymentsOfAModelOrNone() throws Exception {
        String model = "models:\n  - {id: m, family: m, modality: chat, context_window: 100, max_output_tokens: 10,"
                + " tokenizer: cl100k_base, price: {input_per_1m: 1, output_per_1m: 1}, deployments: [%s]}\n";
        refused(model.formatted("{name: a, provider: sim, weight: 0}"), "models[0].deployments[0].weight");
        refused(model.formatted("{name: a, provider: sim, weight: 2}, {name: b, provider: sim}"),
                "models[0].deployments[1].weight");
        SluiceConfig c = load(model.formatted("{name: a, provider: sim, weight: 3}, {name: b, provider: sim, weight: 1}"),
                Map.of());
        assertThat(Gateway.catalog(c).find("m").orElseThrow().deployments())
                .extracting(d -> d.weight()).containsExactly(3, 1);
        SluiceConfig ordered = load(model.formatted("{name: a, provider: sim}, {name: b, provider: sim}"), Map.of());
        assertThat(Gateway.catalog(ordered).find("m").orElseThrow().deployments())
                .extracting(d -> d.weight()).containsExactly(0, 0);
    }
}
