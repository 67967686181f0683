package dev.sluice.bench.load;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The configs the harness gives Sluice are ones Sluice accepts, with the settings the run means to measure. */
class SluiceYamlTest {
    @TempDir
    Path dir;

    private SluiceConfig load(String yaml) throws IOException {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(new ConfigLoader.Flags(file, 0, 0, dir.resolve("data").toString()),
                Map.of(SluiceYaml.UPSTREAM_KEY_ENV, "sk-sim"));
    }

    @Test
    void theMemoryConfigPutsTheFullPipelineInFrontOfTheStandaloneSimulator() throws IOException {
        SluiceConfig c = load(SluiceYaml.memory(45_678));

        assertThat(c.simulator().enabled()).isFalse();
        assertThat(c.models()).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo("sim-mini");
            assertThat(m.deployments()).singleElement().satisfies(d -> {
                assertThat(d.provider()).isEqualTo("openai");
                assertThat(d.baseUrl()).isEqualTo("http://127.0.0.1:45678/v1");
            });
        });
        assertThat(c.limits().store().configName()).isEqualTo("memory");
        assertThat(c.limits().defaults()).containsKey("sim-mini");
        assertThat(c.overload().enabled()).isTrue();
        // admission control on its product defaults, also for the ten thousand streams
        assertThat(c.overload().initialLimit()).isEqualTo(200);
        assertThat(c.overload().maxLimit()).isEqualTo(1000);
        assertThat(c.overload().maxStreams()).isEqualTo(20_000);
        assertThat(c.slowDown().enabled()).isFalse();
    }

    @Test
    void theRedisConfigKeepsLimitsAndIdempotencyInRedisUnderItsOwnPrefix() throws IOException {
        SluiceConfig c = load(SluiceYaml.redis(45_678, "redis://127.0.0.1:6379", "sluice-bench-1a2b3c4d:"));

        assertThat(c.limits().store().configName()).isEqualTo("redis");
        assertThat(c.redis().url()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(c.redis().keyPrefix()).isEqualTo("sluice-bench-1a2b3c4d:");
        assertThat(c.idempotency().backend().configName()).isEqualTo("redis");
        assertThat(c.idempotency().keyPrefix()).isEqualTo("sluice-bench-1a2b3c4d:idem:");
        assertThat(c.limits().defaults()).containsKey("sim-mini");
    }

    @Test
    void theAdmissionConfigChangesOnlyTheAlgorithm() throws IOException {
        SluiceConfig vegas = load(SluiceYaml.admission(45_678, "vegas"));
        SluiceConfig gradient = load(SluiceYaml.admission(45_678, "gradient2"));

        assertThat(vegas.overload().algorithm().configName()).isEqualTo("vegas");
        assertThat(gradient.overload().algorithm().configName()).isEqualTo("gradient2");
        assertThat(vegas.overload().enabled()).isTrue();
        // everything else on the product defaults, as in the memory config
        SluiceConfig memory = load(SluiceYaml.memory(45_678));
        assertThat(vegas.overload().initialLimit()).isEqualTo(memory.overload().initialLimit());
        assertThat(vegas.overload().minLimit()).isEqualTo(memory.overload().minLimit());
        assertThat(vegas.overload().maxLimit()).isEqualTo(memory.overload().maxLimit());
        assertThat(vegas.overload().queueSize()).isEqualTo(memory.overload().queueSize());
        assertThat(vegas.overload().queueTimeoutMs()).isEqualTo(memory.overload().queueTimeoutMs());
        assertThat(vegas.models()).isEqualTo(memory.models());
        assertThatThrownBy(() -> SluiceYaml.admission(1, "vegas}\nx: {")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTemplateWithoutThePortPlaceholderIsRefusedWithTheFix() {
        assertThatThrownBy(() -> SluiceYaml.fromTemplate("models: []\n", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SIMPORT");
        assertThat(SluiceYaml.fromTemplate("base_url: http://127.0.0.1:SIMPORT/v1", 8090))
                .isEqualTo("base_url: http://127.0.0.1:8090/v1");
    }
}
