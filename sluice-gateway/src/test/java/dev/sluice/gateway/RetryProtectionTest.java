package dev.sluice.gateway;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.UpstreamResilienceTest.attempts;
import static dev.sluice.gateway.UpstreamResilienceTest.fresh;
import static dev.sluice.gateway.UpstreamResilienceTest.idSuffix;
import static dev.sluice.gateway.UpstreamResilienceTest.model;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sluice's retries never multiply its callers' (issue 11): the per-deployment retry budget caps them under a fully
 * failing deployment, every final 5xx says how long to wait (the upstream's retry-after, the open circuit's remaining
 * time, or the floor), and a caller-declared timeout is answered with a 504 before it runs out. Upstreams are real
 * loopback servers that count what they receive; the budget's and breakers' time is a hand-moved clock.
 */
class RetryProtectionTest {
    static final double RATIO = 0.2;
    static final long FLOOR_MS = 1000;

    @TempDir
    static Path dir;
    static FakeTime clock = FakeTime.startingNow();
    static ScriptedServer dead;
    static ScriptedServer deadWithHint;
    static ScriptedServer breakerDead;
    static ScriptedServer hanging;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        dead = ScriptedServer.start().route(r -> upstreamError(503));
        deadWithHint = ScriptedServer.start().route(r -> upstreamError(503).header("retry-after-ms", "5000"));
        breakerDead = ScriptedServer.start().route(r -> upstreamError(500));
        hanging = ScriptedServer.start().route(r -> Reply.hang());
        String yaml = """
                simulator:
                  enabled: false
                upstream_timeouts:
                  first_byte_ms: 30000
                  total_ms: 600000
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 1
                  max_backoff_ms: 2
                  max_retry_after_ms: 1000
                circuit_breaker:
                  failure_threshold: 1000
                  open_ms: 30000
                retry_budget:
                  enabled: true
                  ratio: %s
                  min_per_second: 0.1
                  window_ms: 10000
                retry_hints:
                  floor_ms: %d
                  max_ms: 60000
                caller_deadlines:
                  enabled: true
                  margin_ms: 500
                models:
                %s%s%s""".formatted(RATIO, FLOOR_MS,
                model("m-dead", dep("d", dead)),
                model("m-hint", dep("h", deadWithHint)),
                model("m-hang", dep("g", hanging)));
        gw = TestGateway.builder(dir).config(yaml).clock(clock).env(Map.of("UP_KEY", "sk-up-test")).start();
    }

    /** An OpenAI-shaped error with no request id, as the upstreams of these tests answer. */
    static Reply upstreamError(int status) {
        return Reply.error(status, "server_error", null, "upstream says " + status).withoutRequestId();
    }

    static String dep(String name, ScriptedServer up) {
        return "{name: " + name + ", provider: openai, model: up, base_url: \"" + up.baseUrl() + "\", api_key_env: UP_KEY}";
    }

    @AfterAll
    static void stop() {
        gw.close();
        dead.close();
        deadWithHint.close();
        breakerDead.close();
        hanging.close();
    }

    @Test
    void theRetryBudgetCapsSluicesOwnRetriesUnderAFullyFailingDeployment() {
        clock.advance(Duration.ofMinutes(1)); // a fresh window
        long before = dead.requests().size();
        int callers = 50;
        try (CapturedLogs logs = new CapturedLogs()) {
            for (int i = 0; i < callers; i++) {
                HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-dead", null));
                JsonNode e = assertError(r, 503, "server_error", "upstream_unavailable", null, true);
                assertThat(e.get("message").asText()).endsWith(idSuffix(r));
                assertThat(r.headers().firstValue("retry-after-ms")).contains(String.valueOf(FLOOR_MS));
                assertThat(r.headers().firstValue("retry-after")).contains("1");
            }
            assertThat(logs.lines().stream().filter(l -> l.contains("retry budget spent")).toList())
                    .as("one line per window, not one per refusal").singleElement().asString()
                    .contains("deployment=m-dead/d");
        }
        long upstream = dead.requests().size() - before;
        // without the budget: 3 attempts each = 150; with it: one per caller + 20 % + one retry per 10 s window
        assertThat(upstream).isEqualTo(callers + (long) Math.floor(RATIO * callers + 1));

        clock.advance(Duration.ofSeconds(11)); // the window has passed: a rare failure is retried again
        HttpResponse<String> later = gw.post("/v1/chat/completions", fresh("m-dead", null));
        assertThat(attempts(later)).isEqualTo("2");
    }

    @Test
    void aFinal5xxCarriesTheUpstreamsOwnRetryAfterWhenItIsLongerThanTheFloor() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", fresh("m-hint", null));
        assertError(r, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(attempts(r)).as("Sluice does not wait 5 s itself (max_retry_after_ms 1000)").isEqualTo("1");
        assertThat(r.headers().firstValue("retry-after-ms")).contains("5000");
        assertThat(r.headers().firstValue("retry-after")).contains("5");
    }

    @Test
    void anOpenCircuitTellsTheCallerWhenItWillProbeAgain() {
        String yaml = """
                simulator:
                  enabled: false
                circuit_breaker:
                  failure_threshold: 1
                  open_ms: 30000
                models:
                %s""".formatted(model("m-breaker", dep("b", breakerDead)));
        FakeTime own = FakeTime.startingNow();
        try (TestGateway g = TestGateway.builder(dir.resolve("breaker")).config(yaml).clock(own).env(Map.of("UP_KEY", "sk-up-test")).start()) {
            assertError(g.post("/v1/chat/completions", fresh("m-breaker", null)), 502, "server_error",
                    "bad_gateway", null, true);
            long calls = breakerDead.requests().size();
            own.advance(Duration.ofSeconds(12));
            HttpResponse<String> r = g.post("/v1/chat/completions", fresh("m-breaker", null));
            JsonNode e = assertError(r, 503, "server_error", "upstream_unavailable", null, true);
            assertThat(e.get("message").asText()).contains("m-breaker").endsWith(idSuffix(r));
            assertThat(breakerDead.requests().size()).as("no attempt while the circuit is open").isEqualTo(calls);
            assertThat(r.headers().firstValue("retry-after-ms")).contains("18000");
            assertThat(r.headers().firstValue("retry-after")).contains("18");
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"x-sluice-timeout-ms, 1500, 1s", "X-Stainless-Timeout, 1.5, 1s", "X-Stainless-Timeout, 3, 2.5s"})
    void aCallerDeclaredTimeoutIsAnswered504BeforeTheCallerGivesUp(String header, String value, String within)
            throws Exception {
        long declaredMs = (long) (Double.parseDouble(value) * (header.startsWith("x-sluice") ? 1 : 1000));
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofMillis(declaredMs)) // the caller gives up exactly when it said it would
                .header("authorization", "Bearer " + TestGateway.DEMO_KEY).header("content-type", "application/json")
                .header(header, value).POST(HttpRequest.BodyPublishers.ofString(fresh("m-hang", null))).build();
        HttpResponse<String> r = gw.http.send(req, HttpResponse.BodyHandlers.ofString());
        JsonNode e = assertError(r, 504, "server_error", "upstream_timeout", null, true);
        assertThat(e.get("message").asText())
                .isEqualTo("The upstream provider did not respond within " + within + "." + idSuffix(r));
        assertThat(attempts(r)).isEqualTo("1");
        assertThat(r.headers().firstValue("retry-after-ms")).contains(String.valueOf(FLOOR_MS));
    }
}
