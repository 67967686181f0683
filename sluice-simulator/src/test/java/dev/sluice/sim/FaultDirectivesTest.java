package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.protocol.RequestIds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.sluice.sim.SimHarness.chatBody;
import static dev.sluice.sim.SimHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fault directives that shape a whole answer (status, shape, fail_times, delay, hang, malformed, disconnect). */
class FaultDirectivesTest {
    private static final String SIM = "x-sluice-sim";
    private static SimHarness sim;

    @BeforeAll
    static void start() {
        sim = SimHarness.start(SimulatorOptions.defaults().withTokensPerSecond(0));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @ParameterizedTest(name = "status={0}")
    @CsvSource({
            "400, invalid_request_error, invalid_value, false",
            "401, invalid_request_error, invalid_api_key, false",
            "403, permission_error, model_not_allowed, false",
            "404, invalid_request_error, model_not_found, false",
            "409, invalid_request_error, conflict, false",
            "422, invalid_request_error, unprocessable_entity, false",
            "429, requests, rate_limit_exceeded, true",
            "500, server_error, internal_error, true",
            "502, server_error, bad_gateway, true",
            "503, server_error, server_overloaded, true",
            "504, server_error, upstream_timeout, true"})
    void statusDirectiveAnswersThatStatusWithAMatchingOpenAiError(int status, String type, String code,
                                                                 boolean retry) {
        HttpResponse<String> r = sim.post("/chat/completions", chatBody("status " + status), SIM, "status=" + status);
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(RequestIds.isValid(r.headers().firstValue("x-request-id").orElse(null))).isTrue();
        assertThat(r.headers().firstValue("x-should-retry")).hasValue(String.valueOf(retry));
        JsonNode e = json(r.body()).get("error");
        assertThat(e.get("type").asText()).isEqualTo(type);
        assertThat(e.get("code").asText()).isEqualTo(code);
        assertThat(e.has("param")).isTrue();
        assertThat(e.get("message").asText()).isNotBlank();
    }

    @Test
    void rateLimitStatusCarriesRetryAfterHeaders() {
        HttpResponse<String> r = sim.post("/chat/completions", chatBody("limited"), SIM, "status=429");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(r.headers().firstValue("retry-after-ms")).hasValue("1000");
        assertThat(json(r.body()).at("/error/message").asText()).startsWith("Rate limit reached for sim-mini");
    }

    @Test
    void shapeDetailAnswersWithADetailBody() {
        HttpResponse<String> r = sim.post("/chat/completions", chatBody("detail"), SIM, "status=503;shape=detail");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode n = json(r.body());
        assertThat(n.fieldNames()).toIterable().containsExactly("detail");
        assertThat(n.get("detail").asText()).isEqualTo("The engine is currently overloaded, please try again later");
    }

    @Test
    void shapeTextAnswersWithPlainText() {
        HttpResponse<String> r = sim.post("/chat/completions", chatBody("text"), SIM, "status=502;shape=text");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(r.body()).isEqualTo("The upstream provider returned an invalid response.");
    }

    @Test
    void failTimesFailsTwiceThenSucceedsMatchedByIdempotencyKey() {
        String key = "idem-" + System.nanoTime();
        int[] statuses = new int[3];
        for (int i = 0; i < 3; i++) {
            // the bodies differ on purpose: the key alone matches the attempts
            HttpResponse<String> r = sim.post("/chat/completions", chatBody("keyed attempt " + i),
                    SIM, "status=503;fail_times=2", "Idempotency-Key", key);
            statuses[i] = r.statusCode();
            assertThat(r.headers().firstValue("x-sluice-sim-attempt")).hasValue(String.valueOf(i + 1));
        }
        assertThat(statuses).containsExactly(503, 503, 200);
    }

    @Test
    void failTimesFailsTwiceThenSucceedsMatchedByBody() {
        String body = chatBody("same body every time " + System.nanoTime());
        HttpResponse<String> first = sim.post("/chat/completions", body, SIM, "fail_times=2");
        HttpResponse<String> second = sim.post("/chat/completions", body, SIM, "fail_times=2");
        HttpResponse<String> third = sim.post("/chat/completions", body, SIM, "fail_times=2");
        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(json(first.body()).at("/error/code").asText()).isEqualTo("internal_error");
        assertThat(second.statusCode()).isEqualTo(500);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(json(third.body()).get("object").asText()).isEqualTo("chat.completion");
    }

    @Test
    void resetFaultCountersStartsTheAttemptsAgain() {
        String body = chatBody("reset me");
        sim.post("/chat/completions", body, SIM, "fail_times=1");
        assertThat(sim.post("/chat/completions", body, SIM, "fail_times=1").statusCode()).isEqualTo(200);
        sim.server.resetFaultCounters();
        assertThat(sim.post("/chat/completions", body, SIM, "fail_times=1").statusCode()).isEqualTo(500);
    }

    @Test
    void delayMsWaitsBeforeAnswering() {
        long start = System.nanoTime();
        HttpResponse<String> r = sim.post("/chat/completions", chatBody("slow"), SIM, "delay_ms=300");
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(elapsedMs).isGreaterThanOrEqualTo(300);
    }

    @Test
    void tokensDirectiveSetsTheExactAnswerLength() {
        JsonNode n = json(sim.post("/chat/completions", chatBody("exact"), SIM, "tokens=123").body());
        assertThat(n.at("/usage/completion_tokens").asInt()).isEqualTo(123);
        assertThat(n.at("/usage/total_tokens").asInt()).isEqualTo(n.at("/usage/prompt_tokens").asInt() + 123);
        assertThat(n.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        JsonNode none = json(sim.post("/chat/completions", chatBody("exact"), SIM, "tokens=0").body());
        assertThat(none.at("/choices/0/message/content").asText()).isEmpty();
    }

    @Test
    void hangNeverAnswersAndIsReleasedWhenTheClientGivesUp() throws Exception {
        long before = sim.server.requestsReceived();
        HttpRequest req = sim.request("/chat/completions", SIM, "hang")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody("hang"))).build();
        CompletableFuture<HttpResponse<String>> answer = sim.client.sendAsync(req, HttpResponse.BodyHandlers.ofString());
        // the server has the request (waited for, not timed): a client timeout could fire before it even arrived
        long deadline = System.nanoTime() + SimHarness.PATIENCE.toNanos();
        while (sim.server.requestsReceived() < before + 1 || sim.server.inFlight() < 1) {
            assertThat(System.nanoTime()).as("the hanging request reached the server").isLessThan(deadline);
            Thread.sleep(1);
        }
        assertThat(sim.server.requestsReceived()).isEqualTo(before + 1);
        // a request the server holds stays unanswered until its client gives up
        assertThat(answer).isNotDone();
        answer.cancel(true);
        sim.server.whenIdle().toCompletionStage().toCompletableFuture()
                .get(SimHarness.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(sim.server.inFlight()).isZero();
    }

    @Test
    void malformedAnswers200WithABodyThatIsNotJson() {
        HttpResponse<String> r = sim.post("/chat/completions", chatBody("broken"), SIM, "malformed");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThatThrownBy(() -> SimHarness.JSON.readTree(r.body())).isInstanceOf(IOException.class);
    }

    @Test
    void disconnectAfterOnAWholeAnswerDropsTheConnection() {
        assertThatThrownBy(() -> sim.post("/chat/completions", chatBody("drop"), SIM, "disconnect_after=0"))
                .hasRootCauseInstanceOf(IOException.class);
    }

    @Test
    void directivesInMetadataApplyWhenNoHeaderIsSent() {
        HttpResponse<String> r = sim.post("/chat/completions",
                chatBody("batch line", "\"metadata\":{\"sluice_sim\":\"status=503\"}"));
        assertThat(r.statusCode()).isEqualTo(503);
        HttpResponse<String> bad = sim.post("/embeddings",
                "{\"model\":\"sim-embed\",\"input\":\"x\",\"metadata\":{\"sluice_sim\":\"explode\"}}");
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    @Test
    void faultsApplyToEveryRoute() {
        assertThat(sim.get("/models", SIM, "status=503").statusCode()).isEqualTo(503);
        assertThat(sim.post("/embeddings", "{\"model\":\"sim-embed\",\"input\":\"x\"}", SIM, "status=429")
                .statusCode()).isEqualTo(429);
        assertThat(sim.post("/images/generations", "{\"prompt\":\"x\"}", SIM, "status=500").statusCode())
                .isEqualTo(500);
        assertThat(sim.post("/responses", "{\"model\":\"sim-mini\",\"input\":\"x\"}", SIM, "status=504")
                .statusCode()).isEqualTo(504);
    }

    @Test
    void badDirectiveIsInvalidRequestNamingTheDirective() {
        HttpResponse<String> unknown = sim.post("/chat/completions", chatBody("typo"), SIM, "stauts=500");
        assertThat(unknown.statusCode()).isEqualTo(400);
        JsonNode e = json(unknown.body()).get("error");
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo("x-sluice-sim");
        assertThat(e.get("message").asText()).contains("'stauts'");
        HttpResponse<String> badValue = sim.post("/chat/completions", chatBody("typo"), SIM, "delay_ms=soon");
        assertThat(badValue.statusCode()).isEqualTo(400);
        assertThat(json(badValue.body()).at("/error/message").asText()).contains("'delay_ms'");
    }

    @Test
    void directivesAreIgnoredWhenFaultsAreOff() {
        try (SimHarness off = SimHarness.start(SimulatorOptions.defaults().withFaults(false))) {
            HttpResponse<String> r = off.post("/chat/completions", chatBody("calm"), SIM, "status=500;hang;malformed");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r.body()).get("object").asText()).isEqualTo("chat.completion");
            assertThat(off.post("/chat/completions", chatBody("calm"), SIM, "no_such_thing").statusCode())
                    .isEqualTo(200);
            assertThat(off.post("/chat/completions", chatBody("calm", "\"metadata\":{\"sluice_sim\":\"status=503\"}"))
                    .statusCode()).isEqualTo(200);
        }
    }
}
