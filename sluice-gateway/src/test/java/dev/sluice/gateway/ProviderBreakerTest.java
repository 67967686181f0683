package dev.sluice.gateway;

import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.ProviderHarness.chat;
import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Circuit breakers apply to every provider: consecutive provider failures open the deployment's circuit, after which
 * requests are answered without an upstream attempt. (Deployments with {@code forward_sim_header} count the faults
 * a caller asks for, unlike {@code provider: sim}, so this can be shown against the simulator's flavors.)
 */
class ProviderBreakerTest {
    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer sim;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String root = "http://127.0.0.1:" + sim.port();
        String yaml = "simulator:\n  enabled: false\nupstream_retries:\n  max_attempts: 1\n"
                + "circuit_breaker:\n  failure_threshold: 2\n  open_ms: 600000\nmodels:\n"
                + UpstreamResilienceTest.model("b-anthropic", "{name: a, provider: anthropic, base_url: \"" + root
                + "\", model: sim-mini, api_key_env: K, forward_sim_header: true}")
                + UpstreamResilienceTest.model("b-azure", "{name: z, provider: azure, base_url: \"" + root
                + "\", model: sim-mini, api_key_env: K, forward_sim_header: true}");
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("K", "provider-key-0123456789")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"b-anthropic, status=529", "b-azure, status=500"})
    void consecutiveProviderFailuresOpenTheCircuit(String model, String fault) {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat(model, null), "x-sluice-sim", fault);
            assertThat(r.headers().firstValue("x-sluice-attempts")).contains("1");
        }
        HttpResponse<String> open = gw.post("/v1/chat/completions", chat(model, null));
        assertError(open, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(open.headers().firstValue("x-sluice-attempts")).contains("0");
    }
}
