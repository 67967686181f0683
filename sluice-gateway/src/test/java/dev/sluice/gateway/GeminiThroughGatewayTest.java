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
 * {@code provider: gemini} end to end: an OpenAI client's calls through the gateway to the simulator's Gemini
 * flavor, and every row of Gemini's error table to the exact contract answer.
 */
class GeminiThroughGatewayTest {
    private static final String KEY = "gemini-secret-key-0123456789";
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
        String gemini = "{name: g, provider: gemini, base_url: \"" + root + "\", model: sim-mini,"
                + " api_key_env: GEMINI_KEY, forward_sim_header: true}";
        String openai = "{name: o, provider: openai, base_url: \"" + root + "/v1\", model: sim-mini}";
        String embed = "{name: ge, provider: gemini, base_url: \"" + root + "\", model: sim-embed,"
                + " api_key_env: GEMINI_KEY, forward_sim_header: true}";
        String yaml = """
                simulator:
                  enabled: false
                retry_budget:
                  enabled: false
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                  max_retry_after_ms: 1000
                circuit_breaker:
                  failure_threshold: 1000
                  open_ms: 60000
                models:
                %s%s%s%s%s%s""".formatted(UpstreamResilienceTest.model("gem", gemini),
                // the egress and billing refusals open the deployment's circuit at once: each gets a model of its own
                UpstreamResilienceTest.model("gem-location", gemini),
                UpstreamResilienceTest.model("gem-precondition", gemini),
                UpstreamResilienceTest.model("gem-ha", gemini + ", " + openai),
                "  - {id: gem-long, family: gem-long, modality: chat, context_window: 1000000, max_output_tokens: 4096,"
                        + " tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [" + gemini
                        + "]}\n",
                "  - {id: gem-embed, family: gem-embed, modality: embeddings, context_window: 8191, max_output_tokens: 0,"
                        + " tokenizer: cl100k_base, price: {input_per_1m: 1, output_per_1m: 0}, deployments: [" + embed
                        + "]}\n");
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("GEMINI_KEY", KEY)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aChatAnswerIsOpenAisShapeWithUsageAndGeminisResponseId() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gem", "\"max_tokens\":20,\"temperature\":0.3,"
                + "\"top_p\":0.9,\"stop\":[\"zzz\"]"), "x-sluice-sim", "tokens=6");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("gem");
        JsonNode choice = body.path("choices").path(0);
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText().split(" ")).hasSize(6);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isPositive();
        assertThat(r.headers().firstValue("x-upstream-request-id")).isPresent();
        assertThat(r.body()).doesNotContain(KEY);
    }

    @Test
    void aLengthCutIsFinishReasonLength() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gem", "\"max_completion_tokens\":3"),
                "x-sluice-sim", "tokens=30");
        assertThat(json(r.body()).path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
        assertThat(json(r.body()).path("usage").path("completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void aStreamIsOpenAiChunksEndingInDoneWithUsageWhenAskedFor() {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                chat("gem", "\"stream\":true,\"stream_options\":{\"include_usage\":true}"), "x-sluice-sim", "tokens=5");
        assertThat(r.statusCode()).isEqualTo(200);
        List<SseEvent> ev = events(r);
        assertThat(ev.getLast().isDone()).isTrue();
        JsonNode first = json(ev.getFirst().data());
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(streamedText(ev).trim().split(" ")).hasSize(5);
        JsonNode usage = json(ev.get(ev.size() - 2).data());
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(5);
        JsonNode last = json(ev.get(ev.size() - 3).data());
        assertThat(last.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void aToolCallRoundTrip() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"description\":\"find\","
                + "\"parameters\":{\"type\":\"object\",\"additionalProperties\":false,"
                + "\"properties\":{\"query\":{\"type\":\"string\"}},\"required\":[\"query\"]}}}]";
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gem", tools));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode choice = json(r.body()).path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.path("function").path("name").asText()).isEqualTo("lookup");
        assertThat(json(call.path("function").path("arguments").asText()).path("query").asText()).isEqualTo("sim");
        String back = "{\"model\":\"gem\",\"messages\":[{\"role\":\"user\",\"content\":\"look it up\"},"
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
    void aStreamedToolCallArrivesAsAnIndexedToolCallDelta() {
        String tools = "\"stream\":true,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},"
                + "\"required\":[\"q\"]}}}]";
        List<SseEvent> ev = events(gw.post("/v1/chat/completions", chat("gem", tools)));
        JsonNode tc = null;
        String finish = null;
        for (SseEvent e : ev) {
            if (e.isDone()) continue;
            JsonNode c = json(e.data()).path("choices").path(0);
            if (c.path("delta").path("tool_calls").path(0).isObject()) tc = c.path("delta").path("tool_calls").path(0);
            if (c.hasNonNull("finish_reason")) finish = c.get("finish_reason").asText();
        }
        assertThat(tc).isNotNull();
        assertThat(tc.path("index").asInt()).isZero();
        assertThat(tc.path("function").path("name").asText()).isEqualTo("lookup");
        assertThat(json(tc.path("function").path("arguments").asText()).path("q").asText()).isEqualTo("sim");
        assertThat(finish).isEqualTo("tool_calls");
        assertThat(ev.getLast().isDone()).isTrue();
    }

    @Test
    void embeddingsAreOpenAisListInFloatsOrBase64() {
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"gem-embed\",\"input\":[\"one\",\"two\"],"
                + "\"dimensions\":32}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.path("object").asText()).isEqualTo("list");
        assertThat(body.path("data")).hasSize(2);
        assertThat(body.path("data").path(1).path("index").asInt()).isEqualTo(1);
        assertThat(body.path("data").path(0).path("embedding")).hasSize(32);
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isPositive();

        HttpResponse<String> b64 = gw.post("/v1/embeddings", "{\"model\":\"gem-embed\",\"input\":\"one\","
                + "\"dimensions\":32,\"encoding_format\":\"base64\"}");
        assertThat(java.util.Base64.getDecoder().decode(json(b64.body()).path("data").path(0).path("embedding")
                .asText())).hasSize(32 * 4);
    }

    @Test
    void aSafetyStopIsFinishReasonContentFilter() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gem", null), "x-sluice-sim", "error=SAFETY");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r.body()).path("choices").path(0).path("finish_reason").asText()).isEqualTo("content_filter");
        HttpResponse<String> p = gw.post("/v1/chat/completions", chat("gem", null), "x-sluice-sim",
                "error=PROMPT_BLOCKED");
        assertThat(json(p.body()).path("choices").path(0).path("finish_reason").asText()).isEqualTo("content_filter");
    }

    @ParameterizedTest(name = "{0} -> {1} {3}")
    @CsvSource(nullValues = "null", value = {
            "error=INVALID_ARGUMENT,    400, invalid_request_error, invalid_value,        null,  false, null, 1, gem",
            "error=API_KEY_INVALID,     502, server_error,          bad_gateway,          null,  true,  null, 1, gem",
            "error=FAILED_PRECONDITION, 502, server_error,          bad_gateway,          null,  true,  null, 1, gem-precondition",
            "error=LOCATION,            502, server_error,          bad_gateway,          null,  true,  null, 1, gem-location",
            "error=UNAUTHENTICATED,     502, server_error,          bad_gateway,          null,  true,  null, 1, gem",
            "error=PERMISSION_DENIED,   502, server_error,          bad_gateway,          null,  true,  null, 1, gem",
            "error=NOT_FOUND,           404, invalid_request_error, model_not_found,      model, false, null, 1, gem",
            "error=ABORTED,             502, server_error,          bad_gateway,          null,  true,  null, 3, gem",
            "error=RESOURCE_EXHAUSTED,  503, server_error,          upstream_unavailable, null,  true,  2,    1, gem",
            "error=INTERNAL,            502, server_error,          bad_gateway,          null,  true,  null, 3, gem",
            "error=UNAVAILABLE,         503, server_error,          upstream_unavailable, null,  true,  null, 3, gem",
            "error=DEADLINE_EXCEEDED,   504, server_error,          upstream_timeout,     null,  true,  null, 3, gem"})
    void everyGeminiErrorIsTheContractsAnswer(String directive, int status, String type, String code, String param,
                                             boolean retry, String retryAfter, int attempts, String model) {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat(model, null),
                "x-sluice-sim", directive);
        JsonNode e = assertError(r, status, type, code, param, retry);
        if (retryAfter != null) { // the provider's own wait
            assertThat(r.headers().firstValue("retry-after")).contains(retryAfter);
            assertThat(r.headers().firstValue("retry-after-ms")).contains(retryAfter + "000");
        } else { // every 5xx carries a retry hint (issue 11), a client error none
            assertThat(r.headers().firstValue("retry-after").isPresent()).isEqualTo(status >= 500);
            assertThat(r.headers().firstValue("retry-after-ms").isPresent()).isEqualTo(status >= 500);
        }
        assertThat(e.get("message").asText()).doesNotContain(KEY).doesNotContain("User location");
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains(String.valueOf(attempts));
    }

    @Test
    void aPromptTooLongForTheModelIsContextLengthExceededWithGeminisNumbers() {
        String big = "word ".repeat(17_000);
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gem-long\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"" + big + "\"}]}");
        JsonNode e = assertError(r, 400, "invalid_request_error", "context_length_exceeded", "messages", false);
        assertThat(e.get("message").asText()).startsWith("This model's maximum context length is 16384 tokens.");
    }

    @Test
    void aRefusedEgressRegionFailsOverAndAlertsTheOperatorNotTheCaller() {
        try (CapturedLogs logs = new CapturedLogs()) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gem-ha", null), "x-sluice-sim",
                    "error=LOCATION");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-sluice-attempts")).contains("2");
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("sluice.alert").contains("deployment=g")
                    .contains("FAILED_PRECONDITION").doesNotContain(KEY));
        }
    }

    @Test
    void aMidStreamErrorIsTheInBandErrorWithoutDone() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gem", "\"stream\":true"),
                "x-sluice-sim", "tokens=8;stream_error_after=2;error=UNAVAILABLE");
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
    void anErrorEventBeforeAnyOutputFailsOverToAnotherDeployment() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gem-ha", "\"stream\":true"), "x-sluice-sim",
                "tokens=4;stream_error_after=0;error=UNAVAILABLE");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains("2");
        assertThat(events(r).getLast().isDone()).isTrue();
    }

    @Test
    void theResponsesApiIsNotTranslatedForGeminiAndSaysSo() {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"gem\",\"input\":\"hi\"}");
        JsonNode e = assertError(r, 400, "invalid_request_error", "invalid_value", "model", false);
        assertThat(e.get("message").asText()).contains("/v1/responses");
    }
}
