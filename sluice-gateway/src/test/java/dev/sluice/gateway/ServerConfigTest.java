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

/** {@code admin_host} and the {@code server:} section: safe defaults, environment overrides, refused nonsense. */
class ServerConfigTest {
    @TempDir
    Path dir;

    private SluiceConfig load(String yaml, Map<String, String> env) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), env);
    }

    @Test
    void theDefaultsKeepTheAdminPortOnLoopbackAndBoundEveryClient() throws IOException {
        SluiceConfig c = load("host: 0.0.0.0\n", Map.of());
        assertThat(c.adminHost()).isEqualTo("127.0.0.1");
        SluiceConfig.Server s = c.server();
        assertThat(s.headerTimeoutMs()).isEqualTo(10_000);
        assertThat(s.idleTimeoutMs()).isEqualTo(60_000);
        assertThat(s.minBodyBytesPerSecond()).isEqualTo(1024);
        assertThat(s.maxConnectionsPerAddress()).isLessThan(s.maxConnections());
        assertThat(s.maxBodyBytesInFlight()).isGreaterThanOrEqualTo(c.maxBodyBytes());
        assertThat(s.metricsTokenEnv()).isNull();
    }

    @Test
    void theWarmUpIsOnByDefaultAndBounded() throws IOException {
        SluiceConfig.Warmup w = load("", Map.of()).server().warmup();
        assertThat(w.enabled()).isTrue();
        assertThat(w.minRequests()).isEqualTo(3000);
        assertThat(w.maxRequests()).isEqualTo(200_000);
        assertThat(w.settleCores()).isEqualTo(0.1);
        assertThat(w.maxMs()).isEqualTo(30_000);
        assertThat(w.concurrency()).isEqualTo(8);
        assertThat(load("", Map.of("SLUICE_SERVER_WARMUP_ENABLED", "false")).server().warmup().enabled()).isFalse();
    }

    @Test
    void environmentVariablesOverrideTheSection() throws IOException {
        SluiceConfig c = load("", Map.of("SLUICE_ADMIN_HOST", "127.0.0.9", "SLUICE_SERVER_HEADER_TIMEOUT_MS", "2500"));
        assertThat(c.adminHost()).isEqualTo("127.0.0.9");
        assertThat(c.server().headerTimeoutMs()).isEqualTo(2500);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "server: {header_timeout_ms: 5}|server.header_timeout_ms",
            "server: {max_connections: 10, max_connections_per_address: 11}|server.max_connections_per_address",
            "server: {max_body_bytes_in_flight: 100}|server.max_body_bytes_in_flight",
            "server: {max_url_bytes: 10}|server.max_url_bytes",
            "server: {min_body_bytes_per_second: -1}|server.min_body_bytes_per_second",
            "server: {warmup: {max_ms: 10}}|server.warmup.max_ms",
            "server: {warmup: {max_requests: 0}}|server.warmup.max_requests",
            "server: {warmup: {min_requests: -1}}|server.warmup.min_requests",
            "server: {warmup: {settle_cores: -0.5}}|server.warmup.settle_cores",
            "server: {warmup: {concurrency: 0}}|server.warmup.concurrency",
            "overload: {max_streams: 0}|overload.max_streams",
            "admin_host: ''|admin_host"})
    void nonsenseIsRefusedNamingTheKey(String yaml, String key) {
        assertThatThrownBy(() -> load(yaml + "\n", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + key + "'");
    }
}
