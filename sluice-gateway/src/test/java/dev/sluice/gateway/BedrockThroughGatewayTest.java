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
 * {@code provider: bedrock} end to end: an OpenAI client's calls through the gateway, SigV4-signed, to the
 * simulator's Bedrock flavor (which refuses unsigned requests), eventstream answers translated to SSE, and every row of
 * Bedrock's error table to the exact contract answer, up front and as exception frames mid-stream.
 */
class BedrockThroughGatewayTest {
    private static final String SECRET = "bedrock-secret-access-key-0123456789";
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
        String bedrock = "{name: b, provider: bedrock, base_url: \"" + root + "\", region: eu-west-1, model: sim-mini,"
                + " api_key_env: BEDROCK_TEST, forward_sim_header: true}";
        String noKeys = "{name: nk, provider: bedrock, base_url: \"" + root + "\", region: eu-west-1,"
                + " model: sim-mini, api_key_env: NO_SUCH_PREFIX}";
        String apiKey = "{name: bk, provider: bedrock, base_url: \"" + root + "\", region: eu-west-1,"
                + " model: sim-mini, auth: api-key, api_key_env: BEDROCK_API_KEY}";
        String openai = "{name: o, provider: openai, base_url: \"" + root + "/v1\", model: sim-mini}";
        String embed = "{name: be, provider: bedrock, base_url: \"" + root + "\", region: eu-west-1, model: sim-embed,"
                + " api_key_env: BEDROCK_TEST, forward_sim_header: true}";
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
                %s%s%s%s%s""".formatted(UpstreamResilienceTest.model("bed", bedrock),
                UpstreamResilienceTest.model("bed-apikey", apiKey),
                UpstreamResilienceTest.model("bed-ha", bedrock + ", " + openai),
                UpstreamResilienceTest.model("bed-nokeys", noKeys),
                "  - {id: bed-embed, family: bed-embed, modality: embeddings, context_window: 8191, max_output_tokens: 0,"
                        + " tokenizer: cl100k_base, price: {input_per_1m: 1, output_per_1m: 0}, deployments: [" + embed
                        + "]}\n");
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("BEDROCK_TEST_ACCESS_KEY_ID",
                "AKIDSLUICETEST", "BEDROCK_TEST_SECRET_ACCESS_KEY", SECRET, "BEDROCK_API_KEY", "bedrock-api-key-0123456789")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSignedChatAnswerIsOpenAisShapeWithUsageAndBedrocksRequestId() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed", "\"max_tokens\":20,\"temperature\":0.3,"
                + "\"top_p\":0.9,\"stop\":[\"zzz\"]"), "x-sluice-sim", "tokens=6");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("bed");
        JsonNode choice = body.path("choices").path(0);
        assertThat(choice.path("message").path("content").asText().split(" ")).hasSize(6);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isPositive();
        assertThat(r.headers().firstValue("x-upstream-request-id")).hasValueSatisfying(v -> assertThat(v)
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
        assertThat(r.body()).doesNotContain(SECRET);
    }

    @Test
    void aBedrockApiKeyIsSentAsBearerInsteadOfSigning() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed-apikey", null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("bedrock-api-key-0123456789");
    }

    @Test
    void aLengthCutIsFinishReasonLength() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed", "\"max_completion_tokens\":3"),
                "x-sluice-sim", "tokens=30");
        assertThat(json(r.body()).path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void anEventStreamIsOpenAiChunksEndingInDoneWithUsageWhenAskedFor() {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                chat("bed", "\"stream\":true,\"stream_options\":{\"include_usage\":true}"), "x-sluice-sim", "tokens=5");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        List<SseEvent> ev = events(r);
        assertThat(ev.getLast().isDone()).isTrue();
        assertThat(json(ev.getFirst().data()).path("choices").path(0).path("delta").path("role").asText())
                .isEqualTo("assistant");
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
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}},"
                + "\"required\":[\"query\"]}}}],\"tool_choice\":\"auto\"";
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed", tools));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode choice = json(r.body()).path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertThat(call.path("function").path("name").asText()).isEqualTo("lookup");
        assertThat(json(call.path("function").path("arguments").asText()).path("query").asText()).isEqualTo("sim");
        String back = "{\"model\":\"bed\",\"messages\":[{\"role\":\"user\",\"content\":\"look it up\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + call.path("id").asText() + "\",\"content\":\"{\\\"n\\\":42}\"}],"
                + tools + "}";
        HttpResponse<String> r2 = gw.post("/v1/chat/completions", back);
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
        JsonNode choice2 = json(r2.body()).path("choices").path(0);
        assertThat(choice2.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice2.path("message").path("content").asText()).isNotBlank();
    }

    @Test
    void aStreamedToolUseArrivesAsIndexedToolCallDeltas() {
        String tools = "\"stream\":true,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},"
                + "\"required\":[\"q\"]}}}]";
        List<SseEvent> ev = events(gw.post("/v1/chat/completions", chat("bed", tools)));
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
        assertThat(json(args.toString()).path("q").asText()).isEqualTo("sim");
        assertThat(finish).isEqualTo("tool_calls");
        assertThat(ev.getLast().isDone()).isTrue();
    }

    @Test
    void titanEmbeddingsAreOpenAisListWithBedrocksTokenCount() {
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"bed-embed\",\"input\":\"one two three\","
                + "\"dimensions\":32}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.path("data").path(0).path("embedding")).hasSize(32);
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
        HttpResponse<String> many = gw.post("/v1/embeddings", "{\"model\":\"bed-embed\",\"input\":[\"a\",\"b\"]}");
        assertError(many, 400, "invalid_request_error", "invalid_value", "input", false);
    }

    @ParameterizedTest(name = "{0} -> {1} {3}")
    @CsvSource(nullValues = "null", value = {
            "ValidationException,           400, invalid_request_error, invalid_value,           null,     false, 1",
            "InputTooLong,                  400, invalid_request_error, context_length_exceeded, messages, false, 1",
            "UnrecognizedClientException,   502, server_error,          bad_gateway,             null,     true,  1",
            "AccessDeniedException,         502, server_error,          bad_gateway,             null,     true,  1",
            "ServiceQuotaExceededException, 502, server_error,          bad_gateway,             null,     true,  1",
            "ResourceNotFoundException,     404, invalid_request_error, model_not_found,         model,    false, 1",
            "ThrottlingException,           503, server_error,          upstream_unavailable,    null,     true,  3",
            "ModelNotReadyException,        503, server_error,          upstream_unavailable,    null,     true,  3",
            "ServiceUnavailableException,   503, server_error,          upstream_unavailable,    null,     true,  3",
            "ModelTimeoutException,         504, server_error,          upstream_timeout,        null,     true,  3",
            "ModelErrorException,           502, server_error,          bad_gateway,             null,     true,  3",
            "InternalServerException,       502, server_error,          bad_gateway,             null,     true,  3"})
    void everyBedrockErrorIsTheContractsAnswer(String error, int status, String type, String code, String param,
                                              boolean retry, int attempts) {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed", null), "x-sluice-sim", "error=" + error);
        JsonNode e = assertError(r, status, type, code, param, retry);
        assertThat(e.get("message").asText()).doesNotContain(SECRET).doesNotContain("Exception");
        if (code.equals("context_length_exceeded")) {
            assertThat(e.get("message").asText()).contains("Input is too long for requested model.");
        }
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains(String.valueOf(attempts));
        // every 5xx carries a retry hint (issue 11), a client error none
        assertThat(r.headers().firstValue("retry-after").isPresent()).isEqualTo(status >= 500);
        assertThat(r.headers().firstValue("x-upstream-request-id")).isPresent();
    }

    @ParameterizedTest(name = "{0} after 2 deltas -> {1}")
    @CsvSource({"ThrottlingException, upstream_unavailable", "InternalServerException, bad_gateway",
            "ModelStreamErrorException, bad_gateway", "ServiceUnavailableException, upstream_unavailable",
            "ValidationException, invalid_value"})
    void anExceptionFrameMidStreamIsTheInBandErrorWithoutDone(String error, String code) {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed", "\"stream\":true"),
                "x-sluice-sim", "tokens=8;stream_error_after=2;error=" + error);
        assertThat(r.statusCode()).isEqualTo(200);
        List<SseEvent> ev = events(r);
        assertThat(ev).noneMatch(SseEvent::isDone);
        JsonNode err = json(ev.getLast().data()).get("error");
        assertThat(err.get("code").asText()).isEqualTo(code);
        assertThat(err.has("param") && err.has("type") && err.has("message")).isTrue();
        assertThat(streamedText(ev).trim().split(" +")).hasSize(2);
    }

    @Test
    void anExceptionFrameBeforeAnyOutputFailsOverToAnotherDeployment() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed-ha", "\"stream\":true"), "x-sluice-sim",
                "tokens=4;stream_error_after=0;error=ThrottlingException");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains("2");
        assertThat(events(r).getLast().isDone()).isTrue();
    }

    @Test
    void aCorruptFrameBeforeTheFirstByteIsRetriedThenBadGateway() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed", "\"stream\":true"), "x-sluice-sim",
                "malformed");
        assertError(r, 502, "server_error", "bad_gateway", null, true);
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains("3");
    }

    @Test
    void aThrottledDeploymentFailsOverToAnotherProvider() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed-ha", null), "x-sluice-sim",
                "error=ThrottlingException");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains("2");
    }

    @Test
    void missingAwsKeysAreTheOperatorsProblemNamedInTheAlertNotTheCallers() {
        try (CapturedLogs logs = new CapturedLogs()) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bed-nokeys", null));
            assertError(r, 502, "server_error", "bad_gateway", null, true);
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("sluice.alert").contains("deployment=nk")
                    .contains("NO_SUCH_PREFIX_ACCESS_KEY_ID"));
        }
    }

    @Test
    void whatConverseCannotTakeIsA400NamingTheField() {
        HttpResponse<String> url = gw.post("/v1/chat/completions", "{\"model\":\"bed\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}");
        assertError(url, 400, "invalid_request_error", "invalid_value", "messages", false);
        HttpResponse<String> json = gw.post("/v1/chat/completions", chat("bed",
                "\"response_format\":{\"type\":\"json_object\"}"));
        assertError(json, 400, "invalid_request_error", "invalid_value", "response_format", false);
    }

    @Test
    void aBase64ImageIsSentAsAnImageBlock() {
        String png = java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"bed\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"what is this\"},{\"type\":\"image_url\",\"image_url\":"
                + "{\"url\":\"data:image/png;base64," + png + "\"}}]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
