package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/** Every catalogue row that needs no accounts or limits, through real HTTP on loopback. */
class ErrorContractTest {
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).config("max_body_bytes: 200000\n").start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void invalidJsonIsA400WithNullCodeAndParam() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", "{\"model\": \"sim-mini\", "), 400,
                "invalid_request_error", null, null, false);
        assertThat(e.get("message").asText()).startsWith("We could not parse the JSON body of your request.");
    }

    @Test
    void aJsonArrayBodyIsNotAnObject() {
        assertError(gw.post("/v1/chat/completions", "[1,2]"), 400, "invalid_request_error", null, null, false);
    }

    @Test
    void missingModelNamesTheParam() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "invalid_request_error", null, "model", false);
        assertThat(e.get("message").asText()).isEqualTo("Missing required parameter: 'model'.");
    }

    @Test
    void missingMessagesNamesTheParam() {
        assertError(gw.post("/v1/chat/completions", "{\"model\":\"sim-mini\"}"), 400, "invalid_request_error", null,
                "messages", false);
    }

    @Test
    void unknownParameterIsRefused() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", "\"temprature\":0.5")), 400,
                "invalid_request_error", "unknown_parameter", "temprature", false);
        assertThat(e.get("message").asText()).isEqualTo("Unrecognized request argument supplied: temprature");
    }

    @Test
    void wrongTypeSaysExpectedAndActual() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", "\"temperature\":\"hot\"")), 400,
                "invalid_request_error", "invalid_type", "temperature", false);
        assertThat(e.get("message").asText())
                .isEqualTo("Invalid type for 'temperature': expected a decimal, but got a string instead.");
    }

    @Test
    void outOfRangeValueIsInvalidValue() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", "\"temperature\":3")), 400,
                "invalid_request_error", "invalid_value", "temperature", false);
        assertThat(e.get("message").asText()).contains("between 0 and 2").contains("got 3");
    }

    @Test
    void badEnumValueIsInvalidValue() {
        assertError(gw.post("/v1/embeddings", "{\"model\":\"sim-embed\",\"input\":\"x\",\"encoding_format\":\"hex\"}"),
                400, "invalid_request_error", "invalid_value", "encoding_format", false);
    }

    @Test
    void badMessageRoleNamesTheNestedParam() {
        assertError(gw.post("/v1/chat/completions",
                        "{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"),
                400, "invalid_request_error", "invalid_value", "messages[0].role", false);
    }

    @Test
    void emptyMessagesIsInvalidValue() {
        assertError(gw.post("/v1/chat/completions", "{\"model\":\"sim-mini\",\"messages\":[]}"), 400,
                "invalid_request_error", "invalid_value", "messages", false);
    }

    @Test
    void promptOverTheContextWindowIsContextLengthExceeded() {
        String big = "word ".repeat(17_000);
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", null).replace("Hello there", big)),
                400, "invalid_request_error", "context_length_exceeded", "messages", false);
        assertThat(e.get("message").asText()).startsWith("This model's maximum context length is 16384 tokens. "
                + "However, your messages resulted in ").endsWith("Please reduce the length of the messages.");
    }

    @Test
    void promptPlusRequestedOutputOverTheWindowCountsTheCompletion() {
        String text = "word ".repeat(14_000);
        JsonNode e = assertError(gw.post("/v1/chat/completions",
                        chat("sim-mini", "\"max_tokens\":4000").replace("Hello there", text)),
                400, "invalid_request_error", "context_length_exceeded", "messages", false);
        assertThat(e.get("message").asText()).contains("plus 4000 requested for the completion");
    }

    @Test
    void maxTokensAboveTheModelCapIsInvalidValue() {
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":5000")), 400,
                "invalid_request_error", "invalid_value", "max_tokens", false);
    }

    @Test
    void bodyOverTheLimitIs413() {
        String big = "x".repeat(250_000);
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", null).replace("Hello there", big)),
                413, "invalid_request_error", "request_too_large", null, false);
        assertThat(e.get("message").asText()).contains("the limit is 200000 bytes");
    }

    @Test
    void noKeyIsMissingApiKey() {
        JsonNode e = assertError(gw.postNoAuth("/v1/chat/completions", chat("sim-mini", null)), 401,
                "invalid_request_error", "missing_api_key", null, false);
        assertThat(e.get("message").asText()).contains("Authorization: Bearer");
    }

    @Test
    void unknownKeyIsInvalidApiKeyWithTheKeyMasked() {
        String key = "sk-proj-UNKNOWNabcdefghijklmnopqrstuvwxyz9876";
        HttpResponse<String> r = gw.postNoAuth("/v1/chat/completions", chat("sim-mini", null),
                "authorization", "Bearer " + key);
        JsonNode e = assertError(r, 401, "invalid_request_error", "invalid_api_key", null, false);
        assertThat(e.get("message").asText()).contains("sk-proj-UNKNO***").contains("9876").doesNotContain(key)
                .doesNotContain("abcdefghijkl");
    }

    @Test
    void authenticationComesBeforeBodyValidation() {
        assertError(gw.postNoAuth("/v1/chat/completions", "not json"), 401, "invalid_request_error",
                "missing_api_key", null, false);
    }

    @Test
    void unknownRouteIsUnknownUrl() {
        JsonNode e = assertError(gw.request("GET", "/v1/nothing/here"), 404, "invalid_request_error", "unknown_url",
                null, false);
        assertThat(e.get("message").asText()).startsWith("Unknown request URL: GET /v1/nothing/here.");
    }

    @Test
    void wrongMethodOnAKnownRouteIs405() {
        HttpResponse<String> r = gw.request("GET", "/v1/chat/completions");
        JsonNode e = assertError(r, 405, "invalid_request_error", "method_not_allowed", null, false);
        assertThat(e.get("message").asText()).isEqualTo("Method GET is not allowed on /v1/chat/completions.");
        assertThat(r.headers().firstValue("allow")).contains("POST");
        assertError(gw.request("DELETE", "/v1/models"), 405, "invalid_request_error", "method_not_allowed", null,
                false);
    }

    @Test
    void unknownModelIs404ModelNotFound() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("gpt-nope", null)), 404,
                "invalid_request_error", "model_not_found", "model", false);
        assertThat(e.get("message").asText()).isEqualTo("The model 'gpt-nope' does not exist or you do not have access to it.");
        assertError(gw.request("GET", "/v1/models/gpt-nope"), 404, "invalid_request_error", "model_not_found",
                "model", false);
    }

    @Test
    void embeddingsModelOnChatIsInvalidValueOnModel() {
        assertError(gw.post("/v1/chat/completions", chat("sim-embed", null)), 400, "invalid_request_error",
                "invalid_value", "model", false);
    }

    @Test
    void anInternalFaultIs500WithTheRequestIdAndNoDetails() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null), TestGateway.FAULT_HEADER, "1");
        JsonNode e = assertError(r, 500, "server_error", "internal_error", null, true);
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        assertThat(e.get("message").asText()).contains(id).doesNotContain("boom").doesNotContain("Secret");
    }

    @Test
    void successfulAnswersCarryTheContractHeaders() {
        HttpResponse<String> r = gw.request("GET", "/v1/models");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).matches("req_[0-9a-f]{32}"));
        assertThat(r.headers().firstValue("openai-version")).contains("2020-10-01");
        assertThat(r.headers().firstValue("openai-processing-ms")).isPresent();
        assertThat(r.headers().firstValue("openai-organization")).hasValueSatisfying(v -> assertThat(v).startsWith("org"));
        assertThat(r.headers().firstValue("openai-project")).hasValueSatisfying(v -> assertThat(v).startsWith("proj"));
    }

    @Test
    void requestIdsAreUniquePerRequest() {
        String a = gw.request("GET", "/v1/models").headers().firstValue("x-request-id").orElseThrow();
        String b = gw.request("GET", "/v1/models").headers().firstValue("x-request-id").orElseThrow();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void chunkedBodyOverTheLimitIsAlso413() throws Exception {
        byte[] big = ("{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "y".repeat(250_000)
                + "\"}]}").getBytes();
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(20)).header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build();
        assertError(gw.send(req), 413, "invalid_request_error", "request_too_large", null, false);
    }
}
