package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.ProviderHarness.chat;
import static dev.sluice.gateway.ProviderHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Model fallbacks across providers: a Bedrock model falls back to a Gemini one, by availability and by context. */
class CrossProviderFallbackTest {
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
        String bedrock = "{name: b, provider: bedrock, base_url: \"" + root + "\", region: us-east-1, model: sim-mini,"
                + " api_key_env: BR, forward_sim_header: true}";
        String gemini = "{name: g, provider: gemini, base_url: \"" + root + "\", model: sim-large, api_key_env: GK}";
        String common = "modality: chat, max_output_tokens: 4096, tokenizer: o200k_base,"
                + " price: {input_per_1m: 1, output_per_1m: 2}";
        String yaml = """
                simulator:
                  enabled: false
                upstream_retries:
                  max_attempts: 2
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                circuit_breaker:
                  failure_threshold: 1000
                  open_ms: 60000
                models:
                  - {id: bed, family: bed, context_window: 100000, %1$s, fallbacks: [gem-large],
                     context_window_fallbacks: [gem-large], deployments: [%2$s]}
                  - {id: gem-large, family: gem-large, context_window: 128000, %1$s, deployments: [%3$s]}
                """.formatted(common, bedrock, gemini);
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("BR_ACCESS_KEY_ID", "AKIDFALLBACK",
                "BR_SECRET_ACCESS_KEY", "secret-fallback-0123456789", "GK", "gemini-key-0123456789")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBedrockModelWhoseDeploymentsAreUnavailableIsServedByItsGeminiFallback() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed", null), "x-sluice-sim",
                "error=ServiceUnavailableException");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).contains("gem-large");
        assertThat(json(r.body()).get("model").asText()).isEqualTo("gem-large");
    }

    @Test
    void aPromptBedrockCallsTooLongIsServedByTheContextWindowFallback() {
        String big = "word ".repeat(17_000); // over the Bedrock deployment's 16,384, under Sluice's 100,000
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"bed\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"" + big + "\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).contains("gem-large");
        JsonNode usage = json(r.body()).path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isGreaterThan(16_384);
    }
}
