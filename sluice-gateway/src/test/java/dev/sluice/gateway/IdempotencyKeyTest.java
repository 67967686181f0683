package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.store.ApiKeys;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.Project;
import dev.sluice.gateway.store.Projects;
import dev.sluice.gateway.usage.UsageRecord;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotency-Key through real HTTP: a completed answer is replayed byte for byte with its original request id and
 * without a second upstream call or usage record; the key in flight is 409 idempotency_key_in_use; another body is
 * 409 idempotency_key_reused; failures, streams and other projects do not share answers; answers expire after 24 h
 * on the gateway's (fake) clock.
 */
class IdempotencyKeyTest {
    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer sim;
    static final FakeTime clock = FakeTime.startingNow();
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        String yaml = """
                simulator:
                  enabled: false
                upstream_retries:
                  max_attempts: 1
                models:
                %s""".formatted(UpstreamResilienceTest.model("m-idem", "{name: s, provider: sim, model: sim-mini,"
                + " base_url: \"" + sim.baseUrl() + "\"}"));
        gw = TestGateway.builder(dir).config(yaml).clock(clock).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        await(sim.close());
        await(vertx.close());
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static String body() {
        return UpstreamResilienceTest.fresh("m-idem", null);
    }

    static String key() {
        return "idem-" + UUID.randomUUID();
    }

    static String requestId(HttpResponse<?> r) {
        return r.headers().firstValue("x-request-id").orElseThrow();
    }

    /** Waits until the usage record of {@code r} is written (it is written as the answer ends). */
    static void awaitUsage(HttpResponse<?> r) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (usageRecordsOf(requestId(r)) == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        assertThat(usageRecordsOf(requestId(r))).isEqualTo(1);
    }

    static long usageRecordsOf(String requestId) {
        return gw.usage.records().stream().filter(u -> u.requestId().equals(requestId)).count();
    }

    @Test
    void aReplayReturnsTheSameBytesAndRequestIdWithoutCallingTheUpstreamOrBillingAgain() {
        String k = key();
        String b = body();
        long upstreamBefore = sim.requestsReceived();
        HttpResponse<String> first = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        HttpResponse<String> again = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(requestId(again)).isEqualTo(requestId(first));
        assertThat(again.headers().firstValue("x-sluice-idempotent-replay")).contains("true");
        assertThat(again.headers().firstValue("x-upstream-request-id"))
                .isEqualTo(first.headers().firstValue("x-upstream-request-id"));
        assertThat(again.headers().firstValue("content-type")).isEqualTo(first.headers().firstValue("content-type"));
        assertThat(sim.requestsReceived() - upstreamBefore).isEqualTo(1);
        // a later request has been recorded, so a record of the replay would be there too
        HttpResponse<String> later = gw.post("/v1/chat/completions", body());
        awaitUsage(later);
        assertThat(usageRecordsOf(requestId(first))).as("one usage record for the key, not two").isEqualTo(1);
    }

    @Test
    void theSameKeyInFlightIs409InUseAndTheFirstStillSucceeds() throws Exception {
        String k = key();
        String b = body();
        HttpRequest slow = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("authorization", "Bearer " + TestGateway.DEMO_KEY).header("content-type", "application/json")
                .header("idempotency-key", k).header("x-sluice-sim", "delay_ms=2000")
                .POST(HttpRequest.BodyPublishers.ofString(b)).build();
        CompletableFuture<HttpResponse<String>> first = gw.http.sendAsync(slow, HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (sim.inFlight() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        assertThat(sim.inFlight()).as("the first request reached the upstream").isEqualTo(1);

        HttpResponse<String> second = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        JsonNode e = assertError(second, 409, "invalid_request_error", "idempotency_key_in_use", null, true);
        assertThat(e.get("message").asText()).contains("still being processed");
        assertThat(requestId(second)).isNotEqualTo(requestId(first.get(10, TimeUnit.SECONDS)));

        HttpResponse<String> done = first.get(10, TimeUnit.SECONDS);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        HttpResponse<String> replay = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        assertThat(replay.body()).isEqualTo(done.body());
        assertThat(requestId(replay)).isEqualTo(requestId(done));
    }

    @Test
    void theSameKeyWithAnotherBodyIs409Reused() {
        String k = key();
        assertThat(gw.post("/v1/chat/completions", body(), "idempotency-key", k).statusCode()).isEqualTo(200);
        long upstreamBefore = sim.requestsReceived();
        HttpResponse<String> r = gw.post("/v1/chat/completions", body(), "idempotency-key", k);
        JsonNode e = assertError(r, 409, "invalid_request_error", "idempotency_key_reused", null, false);
        assertThat(e.get("message").asText()).contains("different request body");
        assertThat(sim.requestsReceived()).isEqualTo(upstreamBefore);
    }

    @Test
    void theSameKeyOnAnotherRouteIsReusedToo() {
        String k = key();
        assertThat(gw.post("/v1/chat/completions", body(), "idempotency-key", k).statusCode()).isEqualTo(200);
        assertError(gw.post("/v1/responses", "{\"model\":\"m-idem\",\"input\":\"hi\"}", "idempotency-key", k), 409,
                "invalid_request_error", "idempotency_key_reused", null, false);
    }

    @Test
    void aFailedRequestReleasesItsKeySoTheRetryRuns() {
        String k = key();
        String b = body();
        HttpResponse<String> failed = gw.post("/v1/chat/completions", b, "idempotency-key", k, "x-sluice-sim",
                "status=500");
        assertError(failed, 502, "server_error", "bad_gateway", null, true);
        HttpResponse<String> retry = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        assertThat(requestId(retry)).isNotEqualTo(requestId(failed));
        assertThat(retry.headers().firstValue("x-sluice-idempotent-replay")).isEmpty();
    }

    @Test
    void streamedAnswersAreNotStoredButStillHoldTheKeyOnlyWhileRunning() {
        String k = key();
        String b = UpstreamResilienceTest.fresh("m-idem", "\"stream\":true");
        long before = sim.requestsReceived();
        HttpResponse<String> one = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        HttpResponse<String> two = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(two.statusCode()).isEqualTo(200);
        assertThat(requestId(two)).isNotEqualTo(requestId(one));
        assertThat(sim.requestsReceived() - before).isEqualTo(2);
    }

    @Test
    void keysBelongToOneProject() {
        var demo = gw.gateway.demo().orElseThrow();
        Project other = new Projects(gw.gateway.database(), clock).create(demo.orgId(), "other-" + UUID.randomUUID());
        String otherKey = "sk-proj-otherProject" + UUID.randomUUID().toString().replace("-", "");
        new ApiKeys(gw.gateway.database(), clock).createWithSecret(KeySpec.unowned(other.id(), "other"), otherKey);
        String k = key();
        String b = body();
        HttpResponse<String> mine = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        HttpResponse<String> theirs = gw.post("/v1/chat/completions", b, "idempotency-key", k,
                "authorization", "Bearer " + otherKey);
        assertThat(mine.statusCode()).isEqualTo(200);
        assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(200);
        assertThat(requestId(theirs)).isNotEqualTo(requestId(mine));
        assertThat(theirs.headers().firstValue("x-sluice-idempotent-replay")).isEmpty();
    }

    @Test
    void answersAreKeptForTwentyFourHours() {
        String k = key();
        String b = body();
        HttpResponse<String> first = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        clock.advance(Duration.ofHours(23));
        assertThat(requestId(gw.post("/v1/chat/completions", b, "idempotency-key", k))).isEqualTo(requestId(first));
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        HttpResponse<String> after = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(requestId(after)).isNotEqualTo(requestId(first));
    }

    @Test
    void anUnusableKeyIsA400() {
        assertError(gw.post("/v1/chat/completions", body(), "idempotency-key", "x".repeat(300)), 400,
                "invalid_request_error", "invalid_value", "Idempotency-Key", false);
    }

    @Test
    void aReplayIsLoggedButNotRecordedAsUsage() {
        String k = key();
        String b = body();
        HttpResponse<String> first = gw.post("/v1/chat/completions", b, "idempotency-key", k);
        awaitUsage(first);
        int before = gw.usage.records().size();
        gw.post("/v1/chat/completions", b, "idempotency-key", k);
        HttpResponse<String> later = gw.post("/v1/chat/completions", body());
        awaitUsage(later);
        List<UsageRecord> added = gw.usage.records().subList(before, gw.usage.records().size());
        assertThat(added).extracting(UsageRecord::requestId).containsExactly(requestId(later));
        assertThat(requestId(first)).isNotEqualTo(requestId(later));
    }
}
