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

/** The {@code console:} section of the config. */
class ConsoleConfigTest {
    @TempDir
    Path dir;

    private SluiceConfig load(String yaml, Map<String, String> env) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), env);
    }

    @Test
    void sessionsLastEightHoursAndAWrongTokenWaitsOneSecondByDefault() throws IOException {
        SluiceConfig c = load("", Map.of());
        assertThat(c.console().sessionTtlMs()).isEqualTo(28_800_000L);
        assertThat(c.console().signInDelayMs()).isEqualTo(1_000L);
        assertThat(load("", Map.of("SLUICE_CONSOLE_SESSION_TTL_MS", "600000")).console().sessionTtlMs())
                .isEqualTo(600_000L);
    }

    @ParameterizedTest
    @CsvSource({"session_ttl_ms, 1000", "sign_in_delay_ms, 0", "sign_in_delay_ms, 120000"})
    void outOfRangeValuesStopTheStartNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> load("console:\n  " + key + ": " + value + "\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'console." + key + "'");
    }
}
