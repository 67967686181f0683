package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The files and batch settings: their defaults, environment overrides, and a refusal naming the key. */
class BatchConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAre200MbFiftyThousandLinesAndEightLinesInFlight() {
        SluiceConfig cfg = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
        assertThat(cfg.files()).isEqualTo(new SluiceConfig.FileLimits(209_715_200L, 50_000));
        assertThat(cfg.batch()).isEqualTo(new SluiceConfig.BatchSettings(8, 50_000, 30_000, 50));
    }

    @Test
    void environmentVariablesOverrideThem() {
        SluiceConfig cfg = ConfigLoader.load(ConfigLoader.Flags.none(),
                Map.of("SLUICE_FILES_MAX_LINES", "10", "SLUICE_BATCH_CONCURRENCY", "2"));
        assertThat(cfg.files().maxLines()).isEqualTo(10);
        assertThat(cfg.batch().concurrency()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({"'files:\n  max_bytes: 0\n',files.max_bytes", "'files:\n  max_lines: -1\n',files.max_lines",
            "'batch:\n  concurrency: 0\n',batch.concurrency", "'batch:\n  max_tasks: 0\n',batch.max_tasks",
            "'batch:\n  lease_ms: 10\n',batch.lease_ms",
            "'batch:\n  yield_lines_per_second: 0\n',batch.yield_lines_per_second"})
    void anInvalidValueStopsStartUpNamingTheKey(String yaml, String key) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'" + key + "'");
    }
}
