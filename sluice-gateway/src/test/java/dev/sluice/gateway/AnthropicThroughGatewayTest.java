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
 * {@code provider: anthropic} end to end: an OpenAI client's calls through the gateway to the simulator's Anthropic
 * flavor, and every row of Anthropic's error table to the exact contract answer.
 */
class AnthropicThroughGatewayTest {
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
        String anthropic = "{name: a, provider: anthropic, base_url: \"" + root + "\", model: sim-mini,"
                + " api_key_env: ANTH_KEY, forward_sim_header: true}";
        String openai = "{name: b, provider: openai, base_url: \"" + root + "/v1\", model: sim-mini}";
        String yaml = """
                simulator:
                  enabled: false
                retry_budget:
                  enabled: false
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                  max_retry_after_ms: 2000
                circuit_breaker:
                  failure_threshold: 1000
                  open_ms: 60000
                models:
                %s%s%s""".formatted(UpstreamResilienceTest.model("claude", anthropic),
                UpstreamResilienceTest.model("claude-ha", anthropic + ", " + openai),
                UpstreamResilienceTest.model("claude-nokey", "{name: nk, provider: anthropic, base_url: \"" + root
                        + "\", model: sim-mini}"));
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("ANTH_KEY", "sk-ant-secret-0123456789")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aChatAnswerIsOpenAisShapeWithUsageAndTheProvidersRequestId() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude", "\"max_tokens\":20"),
                "x-sluice-sim", "tokens=6");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("claude");
        JsonNode choice = body.path("choices").path(0);
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isNotBlank();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isPositive();
        assertThat(r.headers().firstValue("x-upstream-request-id")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("req_"));
        assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens")).isPresent();
        assertThat(r.body()).doesNotContain("sk-ant-secret");
    }

    @Test
    void aDeploymentWithoutCredentialIsSluicesProblemNotTheCallers() {
        try (CapturedLogs logs = new CapturedLogs()) {
            assertError(gw.post("/v1/chat/completions", chat("claude-nokey", null)), 502, "server_error",
                    "bad_gateway", null, true);
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("sluice.alert")
                    .contains("authentication_error"));
        }
    }

    @Test
    void aLengthCutIsFinishReasonLength() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude", "\"max_completion_tokens\":3"),
                "x-sluice-sim", "tokens=30");
        assertThat(json(r.body()).path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void aStreamIsOpenAiChunksEndingInDoneWithUsageWhenAskedFor() {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                chat("claude", "\"stream\":true,\"stream_options\":{\"include_usage\":true}"), "x-sluice-sim", "tokens=5");
        assertThat(r.statusCode()).isEqualTo(200);
        List<SseEvent> ev = events(r);
        assertThat(ev.getLast().isDone()).isTrue();
        JsonNode first = json(ev.getFirst().data());
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(streamedText(ev).split(" ")).isNotEmpty();
        JsonNode usage = json(ev.get(ev.size() - 2).data());
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(5);
        JsonNode last = json(ev.get(ev.size() - 3).data());
        assertThat(last.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void aToolCallRoundTrip() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"description\":\"find\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}]";
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude", tools));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode choice = json(r.body()).path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.path("function").path("name").asText()).isEqualTo("lookup");
        assertThat(json(call.path("function").path("arguments").asText()).path("query").asText()).isEqualTo("sim");
        String back = "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"look it up\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + call.path("id").asText() + "\",\"content\":\"42\"}],"
                + tools + "}";
        HttpResponse<String> r2 = gw.post("/v1/chat/completions", back);
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
        JsonNode choice2 = json(r2.body()).path("choices").path(0);
        assertThat(choice2.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice2.path("message").path("content").asText()).isNotBlank();
    }

    @Test
    void aStreamedToolCallArrivesAsIndexedToolCallDeltas() {
        String tools = "\"stream\":true,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}]";
        List<SseEvent> ev = events(gw.post("/v1/chat/completions", chat("claude", tools)));
        StringBuilder args = new StringBuilder();
        String name = null;
        String finish = null;
        for (SseEvent e : ev) {
            if (e.isDone()) continue;
            JsonNode c = json(e.data()).path("choices").path(0);
            JsonNode tc = c.path("delta").path("tool_calls").path(0);
            if (tc.isObject()) {
                assertThat(tc.path("index").asInt()).isZero();
                if (tc.path("function").has("name")) name = tc.path("function").path("name").asText();
                args.append(tc.path("function").path("arguments").asText());
            }
            if (c.hasNonNull("finish_reason")) finish = c.get("finish_reason").asText();
        }
        assertThat(name).isEqualTo("lookup");
        assertThat(json(args.toString()).path("query").asText()).isEqualTo("sim");
        assertThat(finish).isEqualTo("tool_calls");
        assertThat(ev.getLast().isDone()).isTrue();
    }

    @ParameterizedTest(name = "{0} -> {1} {3}")
    @CsvSource(nullValues = "null", value = {
            "status=400,            400, invalid_request_error, invalid_value,           null,     false, false",
            "error=prompt_too_long, 400, invalid_request_error, context_length_exceeded, messages, false, false",
            "status=401,            502, server_error,          bad_gateway,             null,     true,  false",
            "status=402,            502, server_error,          bad_gateway,             null,     true,  false",
            "status=403,            502, server_error,          bad_gateway,             null,     true,  false",
            "status=404,            404, invalid_request_error, model_not_found,         model,    false, false",
            "status=409,            502, server_error,          bad_gateway,             null,     true,  false",
            "status=413,            413, invalid_request_error, request_too_large,       null,     false, false",
            "status=429,            503, server_error,          upstream_unavailable,    null,     true,  true",
            "status=500,            502, server_error,          bad_gateway,             null,     true,  false",
            "status=504,            504, server_error,          upstream_timeout,        null,     true,  false",
            "status=529,            503, server_error,          upstream_unavailable,    null,     true,  true"})
    void everyAnthropicErrorIsTheContractsAnswer(String directive, int status, String type, String code,
                                                String param, boolean retry, boolean retryAfter) {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude", null), "x-sluice-sim", directive);
        JsonNode e = assertError(r, status, type, code, param, retry);
        // every 5xx carries a retry hint (issue 11); retryAfter marks the provider's own 1 s
        assertThat(r.headers().firstValue("retry-after").isPresent()).as("retry-after")
                .isEqualTo(retryAfter || status >= 500);
        assertThat(r.headers().firstValue("retry-after-ms").isPresent()).as("retry-after-ms")
                .isEqualTo(retryAfter || status >= 500);
        if (retryAfter) assertThat(r.headers().firstValue("retry-after")).contains("1");
        assertThat(e.get("message").asText()).doesNotContain("sk-ant-secret");
        if (code.equals("context_length_exceeded")) {
            assertThat(e.get("message").asText()).isEqualTo("This model's maximum context length is 200000 tokens. "
                    + "However, your messages resulted in 208310 tokens. Please reduce the length of the messages.");
        }
        int attempts = Integer.parseInt(r.headers().firstValue("x-sluice-attempts").orElseThrow());
        assertThat(attempts).as("attempts").isEqualTo(retry && status != 502 || code.equals("bad_gateway")
                && directive.matches("status=(409|500)") ? 3 : 1);
    }

    @Test
    void aMidStreamOverloadIsTheInBandErrorWithoutDone() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude", "\"stream\":true"),
                "x-sluice-sim", "stream_error_after=2");
        assertThat(r.statusCode()).isEqualTo(200);
        List<SseEvent> ev = events(r);
        assertThat(ev).noneMatch(SseEvent::isDone);
        JsonNode err = json(ev.getLast().data()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("upstream_unavailable");
        assertThat(err.get("type").asText()).isEqualTo("server_error");
        assertThat(err.has("param")).isTrue();
        assertThat(streamedText(ev).trim().split(" +")).hasSize(2);
    }

    @Test
    void anErrorEventBeforeAnyOutputFailsOverLikeAnHttpError() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude-ha", "\"stream\":true"),
                "x-sluice-sim", "stream_error_after=0;error=api_error");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains("2");
        List<SseEvent> ev = events(r);
        assertThat(ev.getLast().isDone()).isTrue();
        assertThat(ev).noneMatch(e -> e.data().contains("\"error\""));
    }

    @Test
    void aSpendCapTakesTheDeploymentOutFailsOverAndAlertsTheOperatorNotTheCaller() {
        try (CapturedLogs logs = new CapturedLogs()) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("claude-ha", null), "x-sluice-sim",
                    "error=spend_limit");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-sluice-attempts")).contains("2");
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("sluice.alert").contains("deployment=a")
                    .contains("rate_limit_error").doesNotContain("sk-ant-secret"));
            // the circuit is open: the next request goes straight to the other deployment
            HttpResponse<String> next = gw.post("/v1/chat/completions", chat("claude-ha", null));
            assertThat(next.statusCode()).isEqualTo(200);
            assertThat(next.headers().firstValue("x-sluice-attempts")).contains("1");
            // served by deployment b (the OpenAI-compatible one: chatcmpl- ids), not by a (Anthropic: msg_ ids)
            assertThat(next.body()).contains("\"id\":\"chatcmpl-").doesNotContain("\"id\":\"msg_");
        }
    }

    @Test
    void theResponsesApiIsServedWithOutputTextAndUsage() {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"claude\",\"instructions\":\"Be brief.\","
                + "\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"hi there\"}]}]}",
                "x-sluice-sim", "tokens=4");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = json(r.body());
        assertThat(b.get("object").asText()).isEqualTo("response");
        assertThat(b.get("status").asText()).isEqualTo("completed");
        assertThat(b.path("output").path(0).path("content").path(0).path("text").asText()).isNotBlank();
        assertThat(b.path("usage").path("output_tokens").asInt()).isEqualTo(4);
    }

    @Test
    void aResponsesStreamIsOpenAisEventSequence() {
        List<SseEvent> ev = events(gw.post("/v1/responses", "{\"model\":\"claude\",\"input\":\"hello\","
                + "\"stream\":true}", "x-sluice-sim", "tokens=3"));
        assertThat(ev.getFirst().event()).isEqualTo("response.created");
        assertThat(ev.getLast().event()).isEqualTo("response.completed");
        assertThat(ev.stream().filter(e -> "response.output_text.delta".equals(e.event()))).hasSize(3);
        for (int i = 0; i < ev.size(); i++) {
            assertThat(json(ev.get(i).data()).get("sequence_number").asInt()).isEqualTo(i);
        }
        assertThat(json(ev.getLast().data()).path("response").path("usage").path("output_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void aTruncatedResponsesStreamEndsIncompleteNotBroken() {
        List<SseEvent> ev = events(gw.post("/v1/responses", "{\"model\":\"claude\",\"input\":\"hello\","
                + "\"max_output_tokens\":2,\"stream\":true}", "x-sluice-sim", "tokens=9"));
        assertThat(ev.getLast().event()).isEqualTo("response.incomplete");
        assertThat(ev).noneMatch(e -> "error".equals(e.event()));
    }

    @Test
    void aMidStreamErrorInAResponsesStreamIsTheDualFormThenResponseFailed() {
        List<SseEvent> ev = events(gw.post("/v1/responses", "{\"model\":\"claude\",\"input\":\"hello\","
                + "\"stream\":true}", "x-sluice-sim", "stream_error_after=2"));
        assertThat(ev).noneMatch(e -> "response.completed".equals(e.event()));
        SseEvent error = ev.get(ev.size() - 2);
        assertThat(error.event()).isEqualTo("error");
        JsonNode d = json(error.data());
        assertThat(d.get("code").asText()).isEqualTo("upstream_unavailable");
        assertThat(d.path("error").path("type").asText()).isEqualTo("server_error");
        assertThat(d.path("error").path("code").asText()).isEqualTo("upstream_unavailable");
        assertThat(d.get("sequence_number").asInt()).isEqualTo(ev.size() - 2);
        assertThat(ev.getLast().event()).isEqualTo("response.failed");
        assertThat(json(ev.getLast().data()).path("response").path("status").asText()).isEqualTo("failed");
    }

    @Test
    void responsesFeaturesAnthropicCannotServeAreA400NamingTheParameter() {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"claude\",\"input\":\"hi\","
                + "\"previous_response_id\":\"resp_1\"}");
        assertError(r, 400, "invalid_request_error", "invalid_value", "previous_response_id", false);
    }
}
