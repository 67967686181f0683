package dev.sluice.gateway;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.UpstreamResilienceTest.attempts;
import static dev.sluice.gateway.UpstreamResilienceTest.await;
import static dev.sluice.gateway.UpstreamResilienceTest.fresh;
import static dev.sluice.gateway.UpstreamResilienceTest.model;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every byte a stream caller gets is valid for its endpoint: junk from the upstream is never relayed (before the first
 * event it is an ordinary HTTP error, after it the in-band error alone), and chat stream errors are an
 * {@code event: error} line followed by the {@code data: {"error":…}} line, which every client reports as an error.
 */
class StreamContractTest {
    static final String CHUNK = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"x\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}";

    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer sim;
    static ScriptedServer junkLater;
    static ScriptedServer notAChunk;
    static ScriptedServer responsesJunk;
    static ScriptedServer keepAlives;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        junkLater = sse("data: " + CHUNK + "\n\ndata: {\"id\":\"c1\",\"choi\n\n"
                + "data: [DONE]\n\n");
        notAChunk = sse("data: [1,2,3]\n\ndata: " + CHUNK + "\n\ndata: [DONE]\n\n");
        responsesJunk = sse(
                "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0}\n\n"
                        + "event: response.output_text.delta\ndata: <html>oops</html>\n\n"
                        + "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n");
        keepAlives = sse("data: {\"type\":\"ping\"}\n\ndata: \n\ndata: " + CHUNK
                + "\n\ndata: {}\n\ndata: [DONE]\n\n");
        String yaml = """
                simulator:
                  enabled: false
                upstream_timeouts:
                  first_byte_ms: 2000
                  idle_ms: 2000
                  total_ms: 5000
                retry_budget:
                  enabled: false
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 1
                  max_backoff_ms: 2
                models:
                %s%s%s%s%s""".formatted(
                model("m-sim", dep("a", "sim", sim.baseUrl())),
                model("m-junk-later", dep("j", "openai", junkLater.baseUrl())),
                model("m-not-a-chunk", dep("n", "openai", notAChunk.baseUrl())),
                model("m-responses-junk", dep("r", "openai", responsesJunk.baseUrl())),
                model("m-keep-alive", dep("k", "openai", keepAlives.baseUrl())));
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("UP_KEY", "sk-up-test")).start();
    }

    static String dep(String name, String provider, String url) {
        return "{name: " + name + ", provider: " + provider + ", model: sim-mini, base_url: \"" + url + "\""
                + (provider.equals("openai") ? ", api_key_env: UP_KEY" : "") + "}";
    }

    /** An upstream that answers every request with this event-stream text (no request id). */
    static ScriptedServer sse(String text) {
        return ScriptedServer.start().route(r -> Reply.sse(text).withoutRequestId());
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        junkLater.close();
        notAChunk.close();
        responsesJunk.close();
        keepAlives.close();
        await(sim.close());
        await(vertx.close());
    }

    static List<String> lines(HttpResponse<String> r) {
        return r.body().lines().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void aMalformedFirstChatEventIsNeverRelayedAndEndsAsAnOrdinaryHttpError() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-sim", "\"stream\":true"), "x-sluice-sim",
                "malformed");
        assertError(r, 502, "server_error", "bad_gateway", null, true);
        assertThat(r.body()).doesNotContain("chat.completion.chunk");
        assertThat(attempts(r)).isEqualTo("3");
    }

    @Test
    void aFirstEventThatIsJsonButNotAChunkIsNeverRelayed() {
        long before = notAChunk.requests().size();
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-not-a-chunk", "\"stream\":true"));
        assertError(r, 502, "server_error", "bad_gateway", null, true);
        assertThat(r.body()).doesNotContain("[1,2,3]");
        assertThat(notAChunk.requests().size() - before).isEqualTo(3);
    }

    @Test
    void keepAliveEventsThatAreNotChunksAreDroppedWithoutBreakingTheStream() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-keep-alive", "\"stream\":true"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(lines(r)).containsExactly("data: " + CHUNK, "data: [DONE]");
    }

    @Test
    void junkAfterTheFirstChunkBecomesTheInBandErrorAndIsNeverRelayed() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-junk-later", "\"stream\":true"));
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> lines = lines(r);
        assertThat(lines).as(r.body()).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("data: " + CHUNK);
        assertThat(lines.get(1)).isEqualTo("event: error");
        JsonNode err = JSON.readTree(lines.get(2).substring("data: ".length())).get("error");
        assertThat(err.get("code").asText()).isEqualTo("bad_gateway");
        assertThat(r.body()).doesNotContain("\"choi\n").doesNotContain("[DONE]");
    }

    @Test
    void junkInAResponsesStreamIsNeverRelayedAndTheDualErrorFormFollows() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"m-responses-junk\",\"stream\":true,"
                + "\"input\":\"hi\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("<html>").doesNotContain("response.completed");
        List<String> lines = lines(r);
        assertThat(lines.get(0)).isEqualTo("event: response.created");
        int errorAt = lines.indexOf("event: error");
        assertThat(errorAt).isEqualTo(2);
        JsonNode e = JSON.readTree(lines.get(errorAt + 1).substring("data: ".length()));
        assertThat(e.get("code").asText()).isEqualTo("bad_gateway");
        assertThat(e.at("/error/code").asText()).isEqualTo("bad_gateway");
        assertThat(lines.get(errorAt + 2)).isEqualTo("event: response.failed");
    }

    @Test
    void aCallerDeclaredTimeoutBoundsTheWaitForTheFirstEventNotTheWholeStream() {
        // the SDKs' timeout is per read on a stream: a 1.5 s stream under a 1.5 s declared timeout must complete
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-sim", "\"stream\":true"), "x-sluice-sim",
                "tokens=30;tps=20", "x-sluice-timeout-ms", "1500");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(lines(r).getLast()).as(r.body()).isEqualTo("data: [DONE]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream_error_after=2", "disconnect_after=2"})
    void aChatStreamErrorIsAnEventErrorLineFollowedByTheErrorData(String fault) throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-sim", "\"stream\":true"), "x-sluice-sim",
                fault);
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> lines = lines(r);
        assertThat(lines.get(lines.size() - 2)).as(r.body()).isEqualTo("event: error");
        assertThat(lines.stream().filter(l -> l.startsWith("event:")).toList()).containsExactly("event: error");
        JsonNode err = JSON.readTree(lines.getLast().substring("data: ".length())).get("error");
        assertThat(err.get("type").asText()).isEqualTo("server_error");
        assertThat(err.get("code").asText()).isEqualTo("bad_gateway");
        assertThat(err.has("param")).isTrue();
        assertThat(err.get("message").asText()).contains(r.headers().firstValue("x-request-id").orElseThrow());
    }
}
