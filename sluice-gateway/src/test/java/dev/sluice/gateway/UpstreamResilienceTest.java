package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.gateway.usage.UsageRecord;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries, failover, timeouts and stream failures through real HTTP: the gateway in front of two standalone
 * simulators (deployments {@code a} and {@code b}), with faults asked for per request by {@code x-sluice-sim}.
 * Every request uses a fresh prompt so the simulators' {@code fail_times} counters never mix tests.
 */
class UpstreamResilienceTest {
    static final int MAX_ATTEMPTS = 3;
    static final long FIRST_BYTE_MS = 400;
    static final long TOTAL_MS = 3000;

    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer simA;
    static SimulatorServer simB;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        simA = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        simB = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        String yaml = """
                simulator:
                  enabled: false
                upstream_timeouts:
                  first_byte_ms: %d
                  idle_ms: 1000
                  total_ms: %d
                retry_budget:
                  enabled: false
                upstream_retries:
                  max_attempts: %d
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                  max_retry_after_ms: 2000
                circuit_breaker:
                  failure_threshold: 10
                  open_ms: 60000
                models:
                %s%s%s""".formatted(FIRST_BYTE_MS, TOTAL_MS, MAX_ATTEMPTS,
                model("m-one", "{name: a, provider: sim, model: sim-mini, base_url: \"" + simA.baseUrl() + "\"}"),
                model("m-two", "{name: a, provider: sim, model: sim-mini, base_url: \"" + simA.baseUrl() + "\"}, "
                        + "{name: b, provider: sim, model: sim-mini, base_url: \"" + simB.baseUrl() + "\"}"),
                model("m-openai", "{name: oa, provider: openai, base_url: \"" + simA.baseUrl()
                        + "\", model: sim-mini, api_key_env: OA_KEY}"));
        // Every jitter draw is the same, so a deployment that failed earlier is ready earlier: the order of attempts
        // follows from the failures alone (see AttemptPlannerTest for the jitter itself).
        RandomGenerator sameDraw = () -> 0L;
        gw = TestGateway.builder(dir).config(yaml).env(java.util.Map.of("OA_KEY", "sk-oa-test"))
                .options(o -> o.withRandom(sameDraw)).start();
        // the first request loads the tokenizer; keep that out of the timed tests
        assertThat(gw.post("/v1/chat/completions", fresh("m-one", null)).statusCode()).isEqualTo(200);
    }

    static String model(String id, String deployments) {
        return "  - {id: " + id + ", family: " + id + ", modality: chat, context_window: 16384, max_output_tokens: 4096,"
                + " tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [" + deployments
                + "]}\n";
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        await(simA.close());
        await(simB.close());
        await(vertx.close());
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A chat body with a prompt no other request uses. */
    static String fresh(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + UUID.randomUUID()
                + "\"}]" + (extra == null ? "" : "," + extra) + "}";
    }

    static String attempts(HttpResponse<?> r) {
        return r.headers().firstValue("x-sluice-attempts").orElse("absent");
    }

    /** What every server error's message ends with: the answer's own request id, as OpenAI writes it. */
    static String idSuffix(HttpResponse<?> r) {
        return dev.sluice.protocol.RequestIds.messageSuffix(r.headers().firstValue("x-request-id").orElseThrow());
    }

    static List<UsageRecord> usageOf(HttpResponse<?> r) {
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<UsageRecord> found = gw.usage.records().stream().filter(u -> u.requestId().equals(id)).toList();
            if (!found.isEmpty()) return found;
            Thread.onSpinWait();
        }
        throw new AssertionError("no usage record for " + id);
    }

    static List<String> dataLines(String body) {
        return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    // ---- non-streaming: retries, failover, mapping ----

    @Test
    void failTimesTwoSucceedsOnTheThirdAttemptWithOneUsageRecord() throws Exception {
        long before = simA.requestsReceived();
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", null), "x-sluice-sim", "fail_times=2");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(attempts(r)).isEqualTo("3");
        assertThat(simA.requestsReceived() - before).isEqualTo(3);
        assertThat(JSON.readTree(r.body()).get("object").asText()).isEqualTo("chat.completion");
        usageOf(r);
        // a later request has finished, so a second record of the first one would be there by now
        assertThat(gw.post("/v1/chat/completions", fresh("m-one", null)).statusCode()).isEqualTo(200);
        List<UsageRecord> usage = usageOf(r);
        assertThat(usage).hasSize(1);
        UsageRecord u = usage.getFirst();
        assertThat(u.attempts()).isEqualTo(3);
        assertThat(u.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(u.completionTokens()).isPositive();
        assertThat(u.upstreamRequestId()).isNotNull()
                .isEqualTo(r.headers().firstValue("x-upstream-request-id").orElseThrow());
    }

    @Test
    void aClientErrorFromTheUpstreamIsNotRetried() {
        long before = simA.requestsReceived();
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", null), "x-sluice-sim", "status=400");
        assertError(r, 400, "invalid_request_error", "invalid_value", "x-sluice-sim", false);
        assertThat(attempts(r)).isEqualTo("1");
        assertThat(simA.requestsReceived() - before).isEqualTo(1);
    }

    @Test
    void aMalformedAnswerIsBadGatewayAfterTheConfiguredAttempts() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", null), "x-sluice-sim", "malformed");
        assertError(r, 502, "server_error", "bad_gateway", null, true);
        assertThat(attempts(r)).isEqualTo(String.valueOf(MAX_ATTEMPTS));
        assertThat(usageOf(r).getFirst().attempts()).isEqualTo(MAX_ATTEMPTS);
    }

    @Test
    void aHangingUpstreamIs504AfterOneFirstByteTimeoutAndLeavesNothingOpen() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", null), "x-sluice-sim", "hang");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        JsonNode e = assertError(r, 504, "server_error", "upstream_timeout", null, true);
        assertThat(e.get("message").asText()).isEqualTo("The upstream provider did not respond within 400ms." + idSuffix(r));
        assertThat(attempts(r)).as("a silent deployment is not waited on twice").isEqualTo("1");
        assertThat(ms).isGreaterThanOrEqualTo(FIRST_BYTE_MS).isLessThan(TOTAL_MS);
        await(simA.whenIdle()); // every timed-out attempt was reset, so the simulator released it
        assertThat(simA.inFlight()).isZero();
    }

    @Test
    void aFirstByteTimeoutMovesToTheNextDeploymentInsteadOfWaitingAgain() {
        long a = simA.requestsReceived();
        long b = simB.requestsReceived();
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-two", null), "x-sluice-sim", "hang");
        assertError(r, 504, "server_error", "upstream_timeout", null, true);
        assertThat(attempts(r)).isEqualTo("2");
        assertThat(simA.requestsReceived() - a).isEqualTo(1);
        assertThat(simB.requestsReceived() - b).isEqualTo(1);
        assertThat(r.headers().firstValue("retry-after-ms")).isPresent();
    }

    @Test
    void status503OnEveryDeploymentIsUpstreamUnavailableAfterTheConfiguredRetries() throws Exception {
        long a = simA.requestsReceived();
        long b = simB.requestsReceived();
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-two", null), "x-sluice-sim", "status=503");
        JsonNode e = assertError(r, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(e.get("message").asText()).contains("m-two").doesNotContain("127.0.0.1");
        assertThat(attempts(r)).isEqualTo(String.valueOf(MAX_ATTEMPTS));
        assertThat(simA.requestsReceived() - a).as("a, then b, then a again").isEqualTo(2);
        assertThat(simB.requestsReceived() - b).isEqualTo(1);
        UsageRecord u = usageOf(r).getFirst();
        assertThat(u.attempts()).isEqualTo(MAX_ATTEMPTS);
        assertThat(u.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(u.errorCode()).isEqualTo("upstream_unavailable");
    }

    @Test
    void aRateLimitedUpstreamIsRetriedAfterItsRetryAfter() {
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", null), "x-sluice-sim",
                "status=429;fail_times=1");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(attempts(r)).isEqualTo("2");
        assertThat(ms).as("the simulator's retry-after-ms is 1000").isGreaterThanOrEqualTo(1000);
    }

    @Test
    void aDetailShaped404IsANormalisedOpenAiBody() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", null), "x-sluice-sim",
                "status=404;shape=detail");
        JsonNode e = assertError(r, 404, "invalid_request_error", "model_not_found", "model", false);
        assertThat(e.get("message").asText()).contains("does not exist").contains("m-one");
        assertThat(r.body()).doesNotContain("\"detail\"");
        assertThat(attempts(r)).isEqualTo("1");
    }

    @Test
    void anUpstream401Is502WithOneOperatorAlertAndNeverBlamesTheCallersKey() {
        try (CapturedLogs logs = new CapturedLogs()) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", null), "x-sluice-sim",
                    "status=401");
            JsonNode e = assertError(r, 502, "server_error", "bad_gateway", null, true);
            assertThat(e.get("message").asText()).doesNotContainIgnoringCase("api key");
            assertThat(attempts(r)).isEqualTo("1");
            List<String> alerts = logs.lines().stream().filter(l -> l.contains("\"logger_name\":\"sluice.alert\""))
                    .toList();
            assertThat(alerts).singleElement().asString().contains("deployment=a").contains("status=401")
                    .doesNotContain(TestGateway.DEMO_KEY);
        }
    }

    // ---- the openai adapter and the Responses API ----

    @Test
    void theOpenAiAdapterNeverForwardsSimulatorFaults() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-openai", null), "x-sluice-sim",
                "status=500");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("model").asText()).as("renamed upstream").isEqualTo("sim-mini");
    }

    @Test
    void responsesWorkPlainAndStreamedThroughTheOpenAiAdapter() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"m-openai\",\"input\":\"" + UUID.randomUUID()
                + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = JSON.readTree(r.body());
        assertThat(b.get("object").asText()).isEqualTo("response");
        assertThat(b.get("status").asText()).isEqualTo("completed");
        assertThat(usageOf(r).getFirst().completionTokens()).isEqualTo(b.at("/usage/output_tokens").asInt());
        HttpResponse<String> s = gw.post("/v1/responses", "{\"model\":\"m-openai\",\"stream\":true,\"input\":\""
                + UUID.randomUUID() + "\"}");
        assertThat(s.statusCode()).isEqualTo(200);
        List<String> events = s.body().lines().filter(l -> l.startsWith("event: ")).toList();
        assertThat(events.getFirst()).isEqualTo("event: response.created");
        assertThat(events).contains("event: response.output_text.delta");
        assertThat(events.getLast()).isEqualTo("event: response.completed");
        assertThat(usageOf(s).getFirst().outcome()).isEqualTo(Outcome.COMPLETED);
    }

    @Test
    void aResponsesStreamErrorCarriesFlatAndNestedFieldsThenResponseFailed() throws Exception {
        HttpResponse<String> s = gw.post("/v1/responses", "{\"model\":\"m-openai\",\"stream\":true,\"input\":\""
                + UUID.randomUUID() + "\",\"metadata\":{\"sluice_sim\":\"stream_error_after=2\"}}");
        assertThat(s.statusCode()).isEqualTo(200);
        List<String> lines = s.body().lines().toList();
        assertThat(lines.stream().filter(l -> l.equals("event: response.output_text.delta")).count()).isEqualTo(2);
        int errorAt = lines.indexOf("event: error");
        assertThat(errorAt).isPositive();
        JsonNode e = JSON.readTree(lines.get(errorAt + 1).substring("data: ".length()));
        assertThat(e.get("type").asText()).isEqualTo("error");
        assertThat(e.get("code").asText()).isEqualTo("bad_gateway");
        assertThat(e.get("message").asText()).isEqualTo("The upstream provider returned an invalid response."
                + idSuffix(s));
        assertThat(e.has("param")).isTrue();
        assertThat(e.get("sequence_number").isInt()).isTrue();
        assertThat(e.at("/error/type").asText()).isEqualTo("server_error");
        assertThat(e.at("/error/code").asText()).isEqualTo("bad_gateway");
        assertThat(e.at("/error/message").asText()).isEqualTo(e.get("message").asText());
        assertThat(e.get("error").has("param")).isTrue();
        int failedAt = lines.indexOf("event: response.failed");
        assertThat(failedAt).isGreaterThan(errorAt);
        JsonNode f = JSON.readTree(lines.get(failedAt + 1).substring("data: ".length()));
        assertThat(f.get("type").asText()).isEqualTo("response.failed");
        assertThat(f.get("sequence_number").asInt()).isEqualTo(e.get("sequence_number").asInt() + 1);
        assertThat(f.at("/response/status").asText()).isEqualTo("failed");
        assertThat(f.at("/response/error/code").asText()).isEqualTo("bad_gateway");
        assertThat(s.body()).doesNotContain("response.completed");
        UsageRecord u = usageOf(s).getFirst();
        assertThat(u.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(u.errorCode()).isEqualTo("bad_gateway");
        assertThat(u.completionTokens()).isEqualTo(2);
    }

    @Test
    void aResponsesErrorBeforeTheFirstByteIsAnOrdinaryHttpError() {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"m-openai\",\"stream\":true,\"input\":\""
                + UUID.randomUUID() + "\",\"metadata\":{\"sluice_sim\":\"status=503\"}}");
        assertError(r, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(attempts(r)).isEqualTo(String.valueOf(MAX_ATTEMPTS));
    }

    // ---- streams ----

    @Test
    void streamErrorAfterThreeIsExactlyThreeChunksThenTheErrorEventWithoutDone() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", "\"stream\":true"), "x-sluice-sim",
                "stream_error_after=3");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(attempts(r)).as("no retry once the stream started").isEqualTo("1");
        List<String> data = dataLines(r.body());
        assertThat(data).doesNotContain("[DONE]");
        List<String> content = data.subList(0, data.size() - 1).stream()
                .filter(d -> !SimulatedModelsTest.read(d).at("/choices/0/delta/content").asText("").isEmpty()).toList();
        assertThat(content).hasSize(3);
        JsonNode err = JSON.readTree(data.getLast()).get("error");
        assertThat(err.get("message").asText()).isEqualTo("The upstream provider returned an invalid response."
                + idSuffix(r));
        assertThat(err.get("type").asText()).isEqualTo("server_error");
        assertThat(err.get("param").isNull()).isTrue();
        assertThat(err.get("code").asText()).isEqualTo("bad_gateway");
        UsageRecord u = usageOf(r).getFirst();
        assertThat(u.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(u.completionTokens()).isEqualTo(3);
    }

    @Test
    void anUpstreamDisconnectMidStreamIsAnInBandError() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", "\"stream\":true"), "x-sluice-sim",
                "disconnect_after=2");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(attempts(r)).isEqualTo("1");
        List<String> data = dataLines(r.body());
        assertThat(data).doesNotContain("[DONE]");
        JsonNode err = JSON.readTree(data.getLast()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("bad_gateway");
        assertThat(usageOf(r).getFirst().outcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    void aStreamThatFailsBeforeItsFirstByteIsRetried() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-one", "\"stream\":true"), "x-sluice-sim",
                "fail_times=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(attempts(r)).isEqualTo("2");
        assertThat(dataLines(r.body()).getLast()).isEqualTo("[DONE]");
        assertThat(usageOf(r).getFirst().attempts()).isEqualTo(2);
    }

    @Test
    void aCallerThatLeavesMidStreamCancelsTheUpstreamCallAndIsRecordedCancelled() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("authorization", "Bearer " + TestGateway.DEMO_KEY).header("content-type", "application/json")
                .header("x-sluice-sim", "tokens=400;tps=40")
                .POST(HttpRequest.BodyPublishers.ofString(fresh("m-one", "\"stream\":true"))).build();
        HttpResponse<InputStream> r = gw.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        InputStream in = r.body();
        byte[] buf = new byte[256];
        assertThat(in.read(buf)).isPositive();
        assertThat(simA.inFlight()).as("the upstream stream is running").isEqualTo(1);
        in.close();
        await(simA.whenIdle());
        assertThat(simA.inFlight()).isZero();
        UsageRecord u = usageOf(r).getFirst();
        assertThat(u.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(u.completionTokens()).isLessThan(400);
        assertThat(u.stream()).isTrue();
    }
}
