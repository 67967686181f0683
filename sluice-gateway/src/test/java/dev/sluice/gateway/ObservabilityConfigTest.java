package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code observability:} section of the config. */
class ObservabilityConfigTest {
    @TempDir
    Path dir;

    private SluiceConfig load(String yaml) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of());
    }

    @Test
    void metricsAreOnOtlpIsOffAndEveryAccessLineIsWrittenByDefault() throws IOException {
        SluiceConfig.Observability o = load("").observability();
        assertThat(o.jvmMetrics()).isTrue();
        assertThat(o.vertxMetrics()).isTrue();
        assertThat(o.vertxHttpMetrics()).isFalse();
        assertThat(o.otlpEndpoint()).isNull();
        assertThat(o.maxProjectLabels()).isEqualTo(100);
        assertThat(o.projectLabels()).isEmpty();
        assertThat(o.traceSampleRatio()).isEqualTo(1.0);
        assertThat(o.accessLogSuccessSampleRatio()).isEqualTo(1.0);
    }

    @ParameterizedTest
    @CsvSource({"trace_sample_ratio, 1.5", "access_log_success_sample_ratio, -0.1", "max_project_labels, -1",
            "max_project_labels, 20000", "otlp_endpoint, collector:4318"})
    void outOfRangeValuesStopTheStartNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> load("observability:\n  " + key + ": " + value + "\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'observability." + key + "'");
    }
}
