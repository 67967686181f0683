package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.usage.UsageRecord;
import dev.sluice.protocol.SseEvent;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.ProviderHarness.chat;
import static dev.sluice.gateway.ProviderHarness.events;
import static dev.sluice.gateway.ProviderHarness.json;
import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fallbacks} and {@code context_window_fallbacks} over HTTP: which model serves, the header saying so, one
 * usage record for the model that served, and the contract error unchanged when nothing is configured. The fallback
 * deployments use {@code provider: openai}, which never forwards {@code x-sluice-sim}, so a fault asked for the
 * primary does not follow the request to its fallback.
 */
class ModelFallbackTest {
    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer sim;
    static TestGateway gw;

    static String model(String id, int context, String deployments, String extra) {
        return "  - {id: " + id + ", family: " + id + ", modality: chat, context_window: " + context
                + ", max_output_tokens: 4096, tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2},"
                + " deployments: [" + deployments + "]" + (extra == null ? "" : ", " + extra) + "}\n";
    }

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String v1 = sim.baseUrl();
        String root = "http://127.0.0.1:" + sim.port();
        String faulty = "{name: p, provider: sim, base_url: \"" + v1 + "\", model: sim-mini}";
        String faulty2 = "{name: q, provider: sim, base_url: \"" + v1 + "\", model: sim-mini}";
        String healthy = "{name: h, provider: openai, base_url: \"" + v1 + "\", model: sim-large}";
        String claude = "{name: c, provider: anthropic, base_url: \"" + root + "\", model: sim-mini,"
                + " api_key_env: ANTH_KEY, forward_sim_header: true}";
        String yaml = "simulator:\n  enabled: false\n"
                + "limits:\n  defaults:\n    primary:\n      project: {rpm: 1000}\n    backup:\n      project: {rpm: 70}\n"
                + "upstream_retries:\n  max_attempts: 2\n  base_backoff_ms: 5\n"
                + "  max_backoff_ms: 10\ncircuit_breaker:\n  failure_threshold: 1000\nmodels:\n"
                + model("primary", 16384, faulty + ", " + faulty2, "fallbacks: [missing-later, backup]")
                        .replace("missing-later, ", "")
                + model("backup", 16384, healthy, null)
                + model("big", 128000, healthy, null)
                + model("small", 60, faulty, "context_window_fallbacks: [big]")
                + model("claude-small", 16384, claude, "context_window_fallbacks: [big], fallbacks: [backup]")
                + model("alone", 16384, faulty, null);
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("ANTH_KEY", "sk-ant-test-key")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The usage records of one request id, waiting briefly for the ledger write after the answer. */
    static List<UsageRecord> records(HttpResponse<String> r) throws InterruptedException {
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<UsageRecord> found;
        do {
            found = gw.usage.records().stream().filter(u -> u.requestId().equals(id)).toList();
            if (!found.isEmpty()) break;
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return found;
    }

    @Test
    void whenEveryDeploymentIsDownTheFallbackServesSaysSoAndIsRecordedOnce() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("primary", null), "x-sluice-sim", "status=503");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).contains("backup");
        assertThat(json(r.body()).path("choices").path(0).path("message").path("content").asText()).isNotBlank();
        List<UsageRecord> rec = records(r);
        assertThat(rec).hasSize(1);
        assertThat(rec.getFirst().model()).isEqualTo("backup");
        assertThat(rec.getFirst().completionTokens()).isPositive();
        assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).as("the serving model's limits")
                .contains("70");
    }

    @Test
    void withoutAFallbackTheRequestedModelsLimitsApply() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("primary", null));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).isEmpty();
        assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).contains("1000");
    }

    @Test
    void aStreamFallsBackBeforeItsFirstByte() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("primary", "\"stream\":true"),
                "x-sluice-sim", "status=500");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).contains("backup");
        assertThat(events(r).getLast().isDone()).isTrue();
    }

    @Test
    void aStreamThatBrokeAfterItsFirstByteDoesNotFallBack() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("primary", "\"stream\":true"),
                "x-sluice-sim", "stream_error_after=1");
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).isEmpty();
        List<SseEvent> ev = events(r);
        assertThat(ev).noneMatch(SseEvent::isDone);
        assertThat(json(ev.getLast().data()).has("error")).isTrue();
    }

    @Test
    void aPromptTooLongForTheModelIsServedByItsContextWindowFallback() throws Exception {
        String longPrompt = "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "many words ".repeat(40) + "\"}]}";
        HttpResponse<String> r = gw.post("/v1/chat/completions", longPrompt);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).contains("big");
        List<UsageRecord> rec = records(r);
        assertThat(rec).singleElement().satisfies(u -> assertThat(u.model()).isEqualTo("big"));
    }

    @Test
    void aProviderSayingThePromptIsTooLongHandsOverToTheContextWindowFallback() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude-small", null), "x-sluice-sim",
                "error=prompt_too_long");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).contains("big");
    }

    @Test
    void anOverloadedProviderHandsOverToTheModelFallback() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude-small", null), "x-sluice-sim",
                "status=529");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).contains("backup");
    }

    @Test
    void aCallerMistakeIsNotFallenBackFrom() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("primary", null), "x-sluice-sim", "status=400");
        assertError(r, 400, "invalid_request_error", "invalid_value", "x-sluice-sim", false);
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).isEmpty();
    }

    @Test
    void withoutFallbacksTheContractErrorIsUnchanged() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("alone", null), "x-sluice-sim", "status=503");
        JsonNode e = assertError(r, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(e.get("message").asText()).contains("alone");
        assertThat(r.headers().firstValue("x-sluice-fallback-model")).isEmpty();
        assertThat(records(r)).singleElement().satisfies(u -> assertThat(u.model()).isEqualTo("alone"));
        String longPrompt = "{\"model\":\"alone\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "many words ".repeat(9000) + "\"}]}";
        assertError(gw.post("/v1/chat/completions", longPrompt), 400, "invalid_request_error",
                "context_length_exceeded", "messages", false);
    }
}
