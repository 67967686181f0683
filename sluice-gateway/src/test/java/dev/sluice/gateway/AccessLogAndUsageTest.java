package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.gateway.usage.UsageRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/** The access log line and the usage record every request leaves behind, and what they must never contain. */
class AccessLogAndUsageTest {
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 20\n").start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    private static UsageRecord usageOf(String requestId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            for (UsageRecord r : gw.usage.records()) if (r.requestId().equals(requestId)) return r;
            Thread.onSpinWait();
        }
        throw new AssertionError("no usage record for " + requestId);
    }

    @Test
    void everyRequestWritesOneJsonAccessLineWithoutKeyOrPrompt() throws Exception {
        String secretPrompt = "my-very-private-prompt-text";
        try (CapturedLogs logs = new CapturedLogs()) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null)
                    .replace("Hello there", secretPrompt));
            String id = r.headers().firstValue("x-request-id").orElseThrow();
            String badId = gw.postNoAuth("/v1/chat/completions", chat("sim-mini", null), "authorization",
                    "Bearer sk-proj-NOTAREALKEY0123456789abcdefgh").headers().firstValue("x-request-id").orElseThrow();
            // The line is written when the response has ended, which can be just after the client has it.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!(logs.accessLines().stream().anyMatch(l -> l.contains(id))
                    && logs.accessLines().stream().anyMatch(l -> l.contains(badId))) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            String line = logs.accessLines().stream().filter(l -> l.contains(id)).findFirst().orElseThrow();
            JsonNode j = JSON.readTree(line);
            assertThat(j.get("request_id").asText()).isEqualTo(id);
            assertThat(j.get("route").asText()).isEqualTo("/v1/chat/completions");
            assertThat(j.get("status").asInt()).isEqualTo(200);
            assertThat(j.get("model").asText()).isEqualTo("sim-mini");
            assertThat(j.get("org_id").asText()).startsWith("org");
            assertThat(j.get("project_id").asText()).startsWith("proj");
            assertThat(j.get("key_id").asText()).startsWith("key");
            assertThat(j.has("latency_ms")).isTrue();
            for (String l : logs.lines()) {
                assertThat(l).doesNotContain(TestGateway.DEMO_KEY).doesNotContain(secretPrompt)
                        .doesNotContain("NOTAREALKEY0123456789");
            }
            assertThat(logs.accessLines()).anySatisfy(l -> assertThat(l).contains("\"error_code\":\"invalid_api_key\""));
        }
    }

    @Test
    void aCompletedRequestIsRecordedOnceWithItsUsage() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "tokens=7");
        UsageRecord u = usageOf(r.headers().firstValue("x-request-id").orElseThrow());
        JsonNode body = JSON.readTree(r.body());
        assertThat(u.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(u.completionTokens()).isEqualTo(7);
        assertThat(u.promptTokens()).isEqualTo(body.at("/usage/prompt_tokens").asInt());
        assertThat(u.upstreamRequestId()).isEqualTo(r.headers().firstValue("x-upstream-request-id").orElseThrow());
        assertThat(u.status()).isEqualTo(200);
    }

    @Test
    void aStreamRecordsTheTokensItDelivered() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"),
                "x-sluice-sim", "tokens=5;tps=0");
        UsageRecord u = usageOf(r.headers().firstValue("x-request-id").orElseThrow());
        assertThat(u.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(u.completionTokens()).isEqualTo(5);
        assertThat(u.stream()).isTrue();
    }

    @Test
    void aStreamThatFailsMidWayIsRecordedFailedWithWhatWasDelivered() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"),
                "x-sluice-sim", "stream_error_after=3;tps=0");
        UsageRecord u = usageOf(r.headers().firstValue("x-request-id").orElseThrow());
        assertThat(u.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(u.errorCode()).isEqualTo("bad_gateway");
        assertThat(u.completionTokens()).isEqualTo(3);
    }

    @Test
    void aRejectedRequestIsRecordedFailedWithItsCode() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"temperature\":9"));
        UsageRecord u = usageOf(r.headers().firstValue("x-request-id").orElseThrow());
        assertThat(u.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(u.status()).isEqualTo(400);
    }

    @Test
    void aCallerThatLeavesMidStreamIsRecordedCancelled() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("authorization", "Bearer " + TestGateway.DEMO_KEY).header("content-type", "application/json")
                .header("x-sluice-sim", "tokens=200;tps=20")
                .POST(HttpRequest.BodyPublishers.ofString(chat("sim-mini", "\"stream\":true"))).build();
        HttpResponse<InputStream> r = gw.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        InputStream in = r.body();
        byte[] buf = new byte[64];
        int n = in.read(buf);
        assertThat(n).isPositive();
        in.close();
        UsageRecord u = usageOf(id);
        assertThat(u.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(u.completionTokens()).isLessThan(200);
        assertThat(u.status()).isEqualTo(499);
    }

    @Test
    void responsesApiWorksPlainAndStreamed() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"sim-mini\",\"input\":\"Hi\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("object").asText()).isEqualTo("response");
        HttpResponse<String> s = gw.post("/v1/responses", "{\"model\":\"sim-mini\",\"input\":\"Hi\",\"stream\":true}",
                "x-sluice-sim", "tps=0");
        assertThat(s.body()).contains("event: response.created").contains("event: response.output_text.delta")
                .contains("event: response.completed");
    }

    @Test
    void responsesStreamErrorCarriesFlatAndNestedFieldsThenFailed() throws Exception {
        HttpResponse<String> s = gw.post("/v1/responses", "{\"model\":\"sim-mini\",\"input\":\"Hi\",\"stream\":true}",
                "x-sluice-sim", "stream_error_after=2;tps=0");
        List<String> lines = s.body().lines().toList();
        int errorAt = lines.indexOf("event: error");
        assertThat(errorAt).isPositive();
        JsonNode e = JSON.readTree(lines.get(errorAt + 1).substring("data: ".length()));
        assertThat(e.get("type").asText()).isEqualTo("error");
        assertThat(e.get("code").asText()).isEqualTo("bad_gateway");
        assertThat(e.has("message") && e.has("param") && e.has("sequence_number")).isTrue();
        assertThat(e.at("/error/type").asText()).isEqualTo("server_error");
        assertThat(e.at("/error/code").asText()).isEqualTo("bad_gateway");
        int failedAt = lines.indexOf("event: response.failed");
        assertThat(failedAt).isGreaterThan(errorAt);
        JsonNode f = JSON.readTree(lines.get(failedAt + 1).substring("data: ".length()));
        assertThat(f.at("/response/status").asText()).isEqualTo("failed");
        assertThat(f.at("/response/error/code").asText()).isEqualTo("bad_gateway");
        assertThat(s.body()).doesNotContain("response.completed");
    }
}
