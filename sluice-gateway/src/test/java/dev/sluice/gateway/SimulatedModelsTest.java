package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/** The embedded default end to end: gateway + in-process simulator, success paths and simulator faults. */
class SimulatedModelsTest {
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        // one attempt: this class checks how single upstream answers map; retries are UpstreamResilienceTest's
        gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\nupstream_timeouts:\n  first_byte_ms: 1500\n"
                + "  idle_ms: 1500\nupstream_retries:\n  max_attempts: 1\n").start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }

    static List<String> dataLines(String body) {
        return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    @Test
    void chatCompletionReturnsAChatCompletionWithUsage() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = JSON.readTree(r.body());
        assertThat(b.get("object").asText()).isEqualTo("chat.completion");
        assertThat(b.at("/choices/0/message/content").asText()).isNotBlank();
        assertThat(b.at("/usage/prompt_tokens").asInt()).isPositive();
        assertThat(b.at("/usage/completion_tokens").asInt()).isPositive();
        assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).matches("req_[0-9a-f]{32}"));
        assertThat(r.headers().firstValue("x-upstream-request-id")).isPresent();
        assertThat(r.headers().firstValue("x-upstream-request-id")).isNotEqualTo(r.headers().firstValue("x-request-id"));
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains("1");
    }

    @Test
    void theSameRequestGivesTheSameAnswer() throws Exception {
        JsonNode a = JSON.readTree(gw.post("/v1/chat/completions", chat("sim-mini", null)).body());
        JsonNode b = JSON.readTree(gw.post("/v1/chat/completions", chat("sim-mini", null)).body());
        assertThat(a.at("/choices/0/message/content")).isEqualTo(b.at("/choices/0/message/content"));
        assertThat(a.get("usage")).isEqualTo(b.get("usage"));
    }

    @Test
    void streamingReturnsChunksAndDone() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(r.headers().firstValue("x-request-id")).isPresent();
        List<String> data = dataLines(r.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(JSON.readTree(data.getFirst()).get("object").asText()).isEqualTo("chat.completion.chunk");
    }

    @Test
    void embeddingsReturnVectors() throws Exception {
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"sim-embed\",\"input\":[\"a\",\"b\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = JSON.readTree(r.body());
        assertThat(b.get("data")).hasSize(2);
        assertThat(b.at("/data/0/embedding").size()).isEqualTo(256);
    }

    @Test
    void modelsListShowsTheCatalogueWithContextWindows() throws Exception {
        JsonNode b = JSON.readTree(gw.request("GET", "/v1/models").body());
        assertThat(b.get("object").asText()).isEqualTo("list");
        assertThat(b.get("data").findValuesAsText("id")).contains("sim-mini", "sim-large", "sim-embed", "sim-image");
        JsonNode one = JSON.readTree(gw.request("GET", "/v1/models/sim-mini").body());
        assertThat(one.get("context_window").asInt()).isEqualTo(16384);
        assertThat(one.get("max_output_tokens").asInt()).isEqualTo(4096);
    }

    @Test
    void upstream400KeepsItsOpenAiFields() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim",
                "status=400"), 400, "invalid_request_error", "invalid_value", "x-sluice-sim", false);
        assertThat(e.get("message").asText()).contains("the simulator was asked to reject this request");
    }

    @Test
    void upstream500IsBadGateway() {
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "status=500"), 502,
                "server_error", "bad_gateway", null, true);
    }

    @Test
    void upstream503IsUpstreamUnavailable() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "status=503"),
                503, "server_error", "upstream_unavailable", null, true);
        assertThat(e.get("message").asText()).contains("sim-mini");
    }

    @Test
    void upstream429IsUpstreamUnavailableNotTheCallersRateLimit() {
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "status=429"), 503,
                "server_error", "upstream_unavailable", null, true);
    }

    @Test
    void upstream504IsUpstreamTimeout() {
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "status=504"), 504,
                "server_error", "upstream_timeout", null, true);
    }

    @Test
    void malformedUpstreamBodyIsBadGateway() {
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "malformed"), 502,
                "server_error", "bad_gateway", null, true);
    }

    @Test
    void hangingUpstreamIsUpstreamTimeoutWithinTheConfiguredTimeout() {
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "hang");
        JsonNode e = assertError(r, 504, "server_error", "upstream_timeout", null, true);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isGreaterThanOrEqualTo(1400).isLessThan(10_000);
        assertThat(e.get("message").asText()).isEqualTo("The upstream provider did not respond within 1.5s."
                + UpstreamResilienceTest.idSuffix(r));
    }

    @Test
    void streamErrorAfterThreeChunksIsAnInBandEventWithoutDone() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"),
                "x-sluice-sim", "stream_error_after=3");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> data = dataLines(r.body());
        assertThat(data).doesNotContain("[DONE]");
        long contentChunks = data.stream().filter(d -> !d.contains("\"error\""))
                .filter(d -> !read(d).at("/choices/0/delta/content").asText("").isEmpty()).count();
        assertThat(contentChunks).isEqualTo(3);
        JsonNode err = JSON.readTree(data.getLast()).get("error");
        assertThat(err.has("message") && err.has("type") && err.has("param") && err.has("code")).isTrue();
        assertThat(err.get("type").asText()).isEqualTo("server_error");
    }

    @Test
    void upstreamDisconnectMidStreamIsAnInBandBadGateway() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"),
                "x-sluice-sim", "disconnect_after=2");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> data = dataLines(r.body());
        assertThat(data).doesNotContain("[DONE]");
        JsonNode err = JSON.readTree(data.getLast()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("bad_gateway");
    }

    @Test
    void anErrorBeforeTheFirstStreamedByteIsAnOrdinaryHttpError() {
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"), "x-sluice-sim", "status=503"),
                503, "server_error", "upstream_unavailable", null, true);
    }
}
