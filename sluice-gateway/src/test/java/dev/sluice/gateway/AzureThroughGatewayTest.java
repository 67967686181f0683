package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.protocol.SseEvent;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.ProviderHarness.chat;
import static dev.sluice.gateway.ProviderHarness.events;
import static dev.sluice.gateway.ProviderHarness.json;
import static dev.sluice.gateway.ProviderHarness.streamedText;
import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code provider: azure} end to end against the simulator's Azure flavor: chat, stream, embeddings, both credential
 * styles, and every row of Azure's error table to the exact contract answer.
 */
class AzureThroughGatewayTest {
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
        Path token = Files.writeString(dir.resolve("entra-token"), "eyJ-entra-token-from-file\n");
        String yaml = """
                simulator:
                  enabled: false
                retry_budget:
                  enabled: false
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                  max_retry_after_ms: 500
                circuit_breaker:
                  failure_threshold: 1000
                models:
                %s%s%s  - {id: az-embed, family: az-embed, modality: embeddings, context_window: 8191,\
                 max_output_tokens: 0, tokenizer: cl100k_base, price: {input_per_1m: 1, output_per_1m: 0},\
                 deployments: [{name: e, provider: azure, base_url: "%s", model: sim-embed, api_key_env: AZ_KEY}]}
                """.formatted(
                UpstreamResilienceTest.model("gpt-az", "{name: az, provider: azure, base_url: \"" + root + "\","
                        + " model: sim-mini, api_key_env: AZ_KEY, api_version: 2024-10-21, forward_sim_header: true}"),
                UpstreamResilienceTest.model("gpt-entra", "{name: en, provider: azure, base_url: \"" + root + "\","
                        + " model: sim-mini, auth: entra, api_key_file: \"" + token + "\"}"),
                UpstreamResilienceTest.model("gpt-nokey", "{name: nk, provider: azure, base_url: \"" + root + "\","
                        + " model: sim-mini}"),
                root);
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("AZ_KEY", "az-secret-key-0123456789")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aChatAnswerKeepsAzuresRequestIdAndTighterLimits() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-az", null), "x-sluice-sim", "tokens=4");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = json(r.body());
        assertThat(b.path("choices").path(0).path("message").path("content").asText()).isNotBlank();
        assertThat(b.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
        assertThat(r.headers().firstValue("x-upstream-request-id")).hasValueSatisfying(v -> assertThat(v)
                .matches("[0-9a-f-]{36}"));
        assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens")).isPresent();
    }

    @Test
    void anEntraTokenFromAFileIsSentAsBearer() {
        assertThat(gw.post("/v1/chat/completions", chat("gpt-entra", null)).statusCode()).isEqualTo(200);
    }

    @Test
    void aDeploymentWithoutCredentialIsRefusedAsSluicesProblemNotTheCallers() {
        assertError(gw.post("/v1/chat/completions", chat("gpt-nokey", null)), 502, "server_error", "bad_gateway",
                null, true);
    }

    @Test
    void aStreamEndsInDone() {
        List<SseEvent> ev = events(gw.post("/v1/chat/completions", chat("gpt-az", "\"stream\":true"),
                "x-sluice-sim", "tokens=3"));
        assertThat(ev.getLast().isDone()).isTrue();
        assertThat(streamedText(ev).trim().split(" +")).hasSize(3);
    }

    @Test
    void embeddingsAreServed() {
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"az-embed\",\"input\":[\"a\",\"b\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r.body()).path("data").size()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} -> {1} {3}")
    @CsvSource(nullValues = "null", value = {
            "status=400,           400, invalid_request_error, invalid_value,        temperature, false, false",
            "error=content_filter, 400, invalid_request_error, content_filter,       prompt,      false, false",
            "status=401,           502, server_error,          bad_gateway,          null,        true,  false",
            "status=403,           502, server_error,          bad_gateway,          null,        true,  false",
            "status=404,           502, server_error,          bad_gateway,          null,        true,  false",
            "status=422,           422, invalid_request_error, null,                 null,        false, false",
            "status=429,           503, server_error,          upstream_unavailable, null,        true,  true",
            "status=500,           502, server_error,          bad_gateway,          null,        true,  false",
            "status=503,           503, server_error,          upstream_unavailable, null,        true,  true",
            "status=504,           504, server_error,          upstream_timeout,     null,        true,  false"})
    void everyAzureErrorIsTheContractsAnswer(String directive, int status, String type, String code, String param,
                                            boolean retry, boolean retryAfter) {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-az", null), "x-sluice-sim", directive);
        JsonNode e = assertError(r, status, type, code, param, retry);
        // every 5xx carries a retry hint (issue 11); retryAfter marks the provider's own 1 s
        assertThat(r.headers().firstValue("retry-after").isPresent()).as("retry-after")
                .isEqualTo(retryAfter || status >= 500);
        assertThat(r.headers().firstValue("retry-after-ms").isPresent()).as("retry-after-ms")
                .isEqualTo(retryAfter || status >= 500);
        assertThat(e.get("message").asText()).doesNotContain("az-secret");
        assertThat(r.headers().firstValue("x-upstream-request-id")).isPresent();
        if (code == null) assertThat(e.get("message").asText()).isEqualTo("The request could not be processed.");
    }

    @Test
    void a429QuotedInsideA400MessageIsStillA400() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("gpt-az", null), "x-sluice-sim", "status=400"),
                400, "invalid_request_error", "invalid_value", "temperature", false);
        assertThat(e.get("message").asText()).contains("429");
    }

    @Test
    void aMidStreamErrorIsInBandWithoutDone() {
        List<SseEvent> ev = events(gw.post("/v1/chat/completions", chat("gpt-az", "\"stream\":true"),
                "x-sluice-sim", "stream_error_after=2"));
        assertThat(ev).noneMatch(SseEvent::isDone);
        assertThat(json(ev.getLast().data()).path("error").path("code").asText()).isEqualTo("bad_gateway");
    }
}
