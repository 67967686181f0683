package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.Loopback;
import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream answers the simulator cannot produce, from a scripted provider on a loopback port: credential refusals,
 * {"detail"} bodies, a 200 carrying an error, a reset before any byte, a refused connection and a stalled stream.
 */
class UpstreamMappingTest {
    @TempDir
    static Path dir;
    static ScriptedServer provider;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        provider = ScriptedServer.start().route(UpstreamMappingTest::script);
        String base = provider.origin();
        StringBuilder yaml = new StringBuilder("upstream_timeouts:\n  first_byte_ms: 3000\n  idle_ms: 800\n"
                + "upstream_retries:\n  base_backoff_ms: 10\n  max_backoff_ms: 20\nmodels:\n");
        for (String behaviour : new String[] {"s401", "s403", "detail404", "text400", "error200", "reset", "stall",
                "s418"}) {
            yaml.append(model("up-" + behaviour, "openai", base + "/" + behaviour + "/v1"));
        }
        yaml.append(model("up-refused", "openai", Loopback.refusedUrl()));
        gw = TestGateway.builder(dir).config(yaml.toString()).start();
    }

    static String model(String id, String provider, String url) {
        return "  - {id: " + id + ", family: " + id + ", modality: chat, context_window: 8000, max_output_tokens: 1000,"
                + " tokenizer: cl100k_base, price: {input_per_1m: 1, output_per_1m: 2},"
                + " deployments: [{name: d1, provider: " + provider + ", base_url: \"" + url + "\"}]}\n";
    }

    @AfterAll
    static void stop() {
        gw.close();
        provider.close(); // releases the stalled stream
    }

    static Reply script(ScriptedServer.Recorded r) {
        return switch (r.path().split("/")[1]) {
            case "s401" -> reply(401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-prov***\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
            case "s403" -> reply(403, "{\"detail\":\"Forbidden\"}");
            case "detail404" -> reply(404, "{\"detail\":\"Model not deployed\"}");
            case "text400" -> reply(400, "bad things in your prompt");
            case "error200" -> reply(200, "{\"error\":{\"message\":\"quota\",\"type\":\"server_error\"}}");
            case "s418" -> reply(418, "<html>teapot</html>");
            case "reset" -> Reply.reset();
            case "stall" -> Reply.sse("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"Hi\"}}]}\n\n").withoutRequestId().thenHold();
            default -> reply(500, "{}");
        };
    }

    static Reply reply(int status, String body) {
        return Reply.text(status, body.startsWith("{") ? "application/json" : "text/plain", body)
                .header("x-request-id", "req_upstream_1");
    }

    @Test
    void upstream401IsOurCredentialProblemSoTheCallerGets502() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("up-s401", null)), 502, "server_error",
                "bad_gateway", null, true);
        assertThat(e.get("message").asText()).doesNotContain("Incorrect API key");
    }

    @Test
    void upstream403IsAlso502() {
        assertError(gw.post("/v1/chat/completions", chat("up-s403", null)), 502, "server_error", "bad_gateway", null,
                true);
    }

    @Test
    void detail404IsNormalisedIntoAnOpenAiBody() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("up-detail404", null)), 404,
                "invalid_request_error", "model_not_found", "model", false);
        assertThat(e.get("message").asText()).contains("Model not deployed");
    }

    @Test
    void plainText400IsNormalisedByStatus() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("up-text400", null)), 400,
                "invalid_request_error", "invalid_value", null, false);
        assertThat(e.get("message").asText()).isEqualTo("bad things in your prompt");
    }

    @Test
    void a200CarryingAnErrorObjectIsAnError() {
        assertError(gw.post("/v1/chat/completions", chat("up-error200", null)), 502, "server_error", "bad_gateway",
                null, true);
    }

    @Test
    void anUnmappedStatusIsBadGateway() {
        assertError(gw.post("/v1/chat/completions", chat("up-s418", null)), 502, "server_error", "bad_gateway", null,
                true);
    }

    @Test
    void aResetBeforeAnyByteIsBadGateway() {
        assertError(gw.post("/v1/chat/completions", chat("up-reset", null)), 502, "server_error", "bad_gateway", null,
                true);
    }

    @Test
    void aRefusedConnectionIsUpstreamUnavailableNamingTheModelNotTheHost() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("up-refused", null)), 503, "server_error",
                "upstream_unavailable", null, true);
        assertThat(e.get("message").asText()).contains("up-refused").doesNotContain("127.0.0.1");
    }

    @Test
    void aStreamThatStallsAfterTheFirstChunkGetsAnInBandTimeout() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("up-stall", "\"stream\":true"));
        assertThat(r.statusCode()).isEqualTo(200);
        var data = SimulatedModelsTest.dataLines(r.body());
        assertThat(data.getFirst()).contains("Hi");
        JsonNode err = JSON.readTree(data.getLast()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("upstream_timeout");
        assertThat(err.get("message").asText()).isEqualTo("The upstream provider did not respond within 800ms."
                + dev.sluice.protocol.RequestIds.messageSuffix(r.headers().firstValue("x-request-id").orElseThrow()));
        assertThat(data).doesNotContain("[DONE]");
    }

    @Test
    void theUpstreamRequestIdIsKeptSeparately() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("up-s418", null));
        assertThat(r.headers().firstValue("x-upstream-request-id")).contains("req_upstream_1");
        assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).matches("req_[0-9a-f]{32}"));
    }
}
