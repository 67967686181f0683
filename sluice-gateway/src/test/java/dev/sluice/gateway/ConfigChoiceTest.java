package dev.sluice.gateway;

import dev.sluice.gateway.config.choice.AdmissionAlgorithm;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.choice.Http2Mode;
import dev.sluice.gateway.config.choice.LogFormat;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.config.choice.StorageKind;
import dev.sluice.gateway.config.choice.StoreBackend;
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

/** Config keys with a closed set of values are enums parsed in one place, with one message for a bad value. */
class ConfigChoiceTest {
    @TempDir
    Path dir;

    private SluiceConfig load(String yaml) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "limits.store         | 'limits:\n  store: etcd\n'                | [memory, redis]        | etcd",
            "idempotency.backend  | 'idempotency:\n  backend: disk\n'         | [memory, redis]        | disk",
            "log.format           | 'log:\n  format: xml\n'                   | [auto, json, text]     | xml",
            "overload.algorithm   | 'overload:\n  algorithm: aimd\n'          | [fixed, gradient2, vegas] | aimd",
            "storage.kind         | 'storage:\n  kind: mysql\n'               | [postgres, sqlite]     | mysql",
            "models[0].deployments[0].http2 | 'models:\n  - id: m\n    family: m\n    modality: chat\n    context_window: 100\n    deployments:\n      - {name: d, provider: sim, http2: h3}\n' | [auto, h2c, off] | h3",
    })
    void aBadValueNamesTheKeyAndListsTheChoices(String key, String yaml, String choices, String bad) {
        assertThatThrownBy(() -> load(yaml.replace("\\n", "\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid config: key '" + key + "' must be one of " + choices + ", not '" + bad + "'");
    }

    @Test
    void goodValuesBindToTheEnumsAndEnvironmentVariablesToo() throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "log:\n  format: json\noverload:\n  algorithm: vegas\n");
        SluiceConfig c = ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null),
                Map.of("SLUICE_LIMITS_STORE", "redis", "SLUICE_IDEMPOTENCY_BACKEND", "redis"));
        assertThat(c.log().format()).isEqualTo(LogFormat.JSON);
        assertThat(c.overload().algorithm()).isEqualTo(AdmissionAlgorithm.VEGAS);
        assertThat(c.limits().store()).isEqualTo(StoreBackend.REDIS);
        assertThat(c.idempotency().backend()).isEqualTo(StoreBackend.REDIS);
        assertThat(c.storage().kind()).isEqualTo(StorageKind.SQLITE);
        assertThat(Http2Mode.of("h2c")).isEqualTo(Http2Mode.H2C);
    }
}
