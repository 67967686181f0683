package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.TrafficHarness.Store;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.awaitUsage;
import static dev.sluice.gateway.TrafficHarness.burst;
import static dev.sluice.gateway.TrafficHarness.header;
import static dev.sluice.gateway.TrafficHarness.okJson;
import static dev.sluice.gateway.TrafficHarness.orgId;
import static dev.sluice.gateway.TrafficHarness.projectId;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate limits through real HTTP with a clock that only moves when the test says so, so every count, wait and header
 * is exact. Every test runs against the in-memory store and against Redis.
 */
class RateLimitsTest {
    @TempDir
    Path dir;

    private final FakeTime clock = FakeTime.at("2026-03-10T12:00:00Z");

    private TestGateway gateway(Store store, String limitsBody) {
        return TestGateway.builder(dir).config(store.yaml(limitsBody) + TrafficHarness.ONLY_LIMITS).clock(clock).start();
    }

    private static String family(String family, String level, String values) {
        return "  defaults:\n    " + family + ":\n      " + level + ": " + values + "\n";
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void rpm60AdmitsExactly60OfABurstOf100AndOneMoreASecondLater(Store store) {
        try (TestGateway gw = gateway(store, family("sim-mini", "project", "{rpm: 60}"))) {
            List<HttpResponse<String>> answers = burst(gw, 100, chat("sim-mini", null));

            assertThat(answers.stream().filter(r -> r.statusCode() == 200)).hasSize(60);
            List<HttpResponse<String>> refused = answers.stream().filter(r -> r.statusCode() != 200).toList();
            assertThat(refused).hasSize(40);
            for (HttpResponse<String> r : refused) {
                JsonNode err = assertError(r, 429, "requests", "rate_limit_exceeded", null, true);
                assertThat(err.get("message").asText()).isEqualTo("Rate limit reached for sim-mini in organization "
                        + orgId(gw) + " project " + projectId(gw) + " on requests per min (RPM): Limit 60, Used 60, "
                        + "Requested 1. Please try again in 1s.");
                assertThat(header(r, "retry-after-ms")).isEqualTo("1000");
                assertThat(header(r, "retry-after")).isEqualTo("1");
                assertThat(header(r, "x-ratelimit-limit-requests")).isEqualTo("60");
                assertThat(header(r, "x-ratelimit-remaining-requests")).isEqualTo("0");
                assertThat(header(r, "x-ratelimit-reset-requests")).isEqualTo("1m0s");
            }

            clock.advance(Duration.ofMillis(999));
            assertError(gw.post("/v1/chat/completions", chat("sim-mini", null)), 429, "requests",
                    "rate_limit_exceeded", null, true);
            clock.advance(Duration.ofMillis(1));
            HttpResponse<String> again = gw.post("/v1/chat/completions", chat("sim-mini", null));
            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(header(again, "x-ratelimit-remaining-requests")).isEqualTo("0");
            HttpResponse<String> next = gw.post("/v1/chat/completions", chat("sim-mini", null));
            assertError(next, 429, "requests", "rate_limit_exceeded", null, true);
            assertThat(header(next, "retry-after-ms")).isEqualTo("1000");
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void successfulAnswersCarryTheRateLimitHeadersOfTheBindingScope(Store store) {
        String limits = "  defaults:\n    sim-mini:\n      organization: {rpm: 100, tpm: 50000}\n"
                + "      project: {rpm: 10, tpm: 100000}\n";
        try (TestGateway gw = gateway(store, limits)) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":1000"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            long reserved = awaitUsage(gw, r).promptTokens() >= 0 ? 50000 - Long.parseLong(header(r, "x-ratelimit-remaining-tokens")) : 0;
            // requests: the project (10) has less left than the organization (100)
            assertThat(header(r, "x-ratelimit-limit-requests")).isEqualTo("10");
            assertThat(header(r, "x-ratelimit-remaining-requests")).isEqualTo("9");
            assertThat(header(r, "x-ratelimit-reset-requests")).isEqualTo("6s");
            // tokens: the organization (50000) has less left than the project (100000)
            assertThat(header(r, "x-ratelimit-limit-tokens")).isEqualTo("50000");
            assertThat(reserved).isGreaterThan(1000).isLessThan(1100);
            assertThat(header(r, "x-ratelimit-reset-tokens")).isEqualTo(dev.sluice.protocol.Durations.formatMillis(
                    (reserved * 60_000 + 49_999) / 50_000));
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void tokensAreReservedUpFrontAndCorrectedToWhatTheRequestUsed(Store store) {
        try (TestGateway gw = gateway(store, family("sim-mini", "project", "{tpm: 1000}"))) {
            String body = chat("sim-mini", "\"max_tokens\":900");
            HttpResponse<String> a = gw.post("/v1/chat/completions", body, "x-sluice-sim", "tokens=5");
            JsonNode aj = okJson(a);
            long cost = 1000 - Long.parseLong(header(a, "x-ratelimit-remaining-tokens")); // prompt + 900 reserved
            assertThat(cost).isGreaterThan(900).isLessThan(950);
            awaitUsage(gw, a);
            long aUsed = aj.at("/usage/prompt_tokens").asLong() + aj.at("/usage/completion_tokens").asLong();

            // Without the correction the bucket would hold 2 x cost > 1000; with it, a second request fits.
            HttpResponse<String> b = gw.post("/v1/chat/completions", body, "x-sluice-sim", "tokens=5");
            JsonNode bj = okJson(b);
            assertThat(header(b, "x-ratelimit-remaining-tokens")).isEqualTo(Long.toString(1000 - aUsed - cost));
            awaitUsage(gw, b);
            long bUsed = bj.at("/usage/prompt_tokens").asLong() + bj.at("/usage/completion_tokens").asLong();

            // While a request is in flight its whole reservation counts.
            CompletableFuture<HttpResponse<String>> slow = gw.http.sendAsync(TrafficHarness.chatRequest(gw, body,
                    "x-sluice-sim", "tokens=5;delay_ms=1500"), HttpResponse.BodyHandlers.ofString());
            awaitInFlight(gw, 1);
            HttpResponse<String> d = gw.post("/v1/chat/completions", body);
            JsonNode err = assertError(d, 429, "tokens", "rate_limit_exceeded", null, true);
            long used = aUsed + bUsed + cost;
            long waitMs = ((used + cost - 1000) * 60_000 + 999) / 1000;
            assertThat(err.get("message").asText()).isEqualTo("Rate limit reached for sim-mini in organization "
                    + orgId(gw) + " project " + projectId(gw) + " on tokens per min (TPM): Limit 1000, Used " + used
                    + ", Requested " + cost + ". Please try again in "
                    + dev.sluice.protocol.Durations.formatMillis(waitMs) + ".");
            assertThat(header(d, "retry-after-ms")).isEqualTo(Long.toString(waitMs));
            assertThat(header(d, "retry-after")).isEqualTo(Long.toString((waitMs + 999) / 1000));

            HttpResponse<String> s = slow.join();
            assertThat(s.statusCode()).as(s.body()).isEqualTo(200);
            awaitUsage(gw, s);
            HttpResponse<String> e = gw.post("/v1/chat/completions", body, "x-sluice-sim", "tokens=5");
            assertThat(e.statusCode()).as(e.body()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aRequestLargerThanAWholeWindowIsRefusedAsTooLargeAndNotToBeRetried(Store store) {
        try (TestGateway gw = gateway(store, family("sim-mini", "project", "{tpm: 100}"))) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":200"));
            JsonNode err = assertError(r, 429, "tokens", "rate_limit_exceeded", null, false);
            assertThat(err.get("message").asText()).matches("Request too large for sim-mini in organization "
                    + orgId(gw) + " project " + projectId(gw) + " on tokens per min \\(TPM\\): Limit 100, "
                    + "Requested 2\\d\\d\\. The input or output tokens must be reduced in order to run successfully\\.");
            assertThat(header(r, "retry-after")).isNull();
            assertThat(header(r, "retry-after-ms")).isNull();
            // nothing was taken: a request that fits still passes
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":50")).statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void requestsPerDayRefillOverTheDay(Store store) {
        try (TestGateway gw = gateway(store, family("sim-mini", "project", "{rpd: 5}"))) {
            for (int i = 0; i < 5; i++) assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null));
            JsonNode err = assertError(r, 429, "requests", "rate_limit_exceeded", null, true);
            assertThat(err.get("message").asText()).isEqualTo("Rate limit reached for sim-mini in organization "
                    + orgId(gw) + " project " + projectId(gw) + " on requests per day (RPD): Limit 5, Used 5, "
                    + "Requested 1. Please try again in 4h48m0s.");
            assertThat(header(r, "retry-after-ms")).isEqualTo("17280000");
            assertThat(header(r, "retry-after")).isEqualTo("17280");

            clock.advance(Duration.ofMillis(17_280_000));
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            assertError(gw.post("/v1/chat/completions", chat("sim-mini", null)), 429, "requests",
                    "rate_limit_exceeded", null, true);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void tokensPerDayCountEveryTokenOfTheDay(Store store) {
        try (TestGateway gw = gateway(store, family("sim-mini", "project", "{tpd: 1000}"))) {
            HttpResponse<String> a = gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":100"),
                    "x-sluice-sim", "tokens=100");
            JsonNode aj = okJson(a);
            awaitUsage(gw, a);
            long aUsed = aj.at("/usage/prompt_tokens").asLong() + aj.at("/usage/completion_tokens").asLong();

            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":990"));
            JsonNode err = assertError(r, 429, "tokens", "rate_limit_exceeded", null, true);
            String msg = err.get("message").asText();
            long requested = Long.parseLong(msg.replaceAll(".*Requested (\\d+)\\..*", "$1"));
            long waitMs = ((aUsed + requested - 1000) * 86_400_000L + 999) / 1000;
            assertThat(msg).isEqualTo("Rate limit reached for sim-mini in organization " + orgId(gw) + " project "
                    + projectId(gw) + " on tokens per day (TPD): Limit 1000, Used " + aUsed + ", Requested "
                    + requested + ". Please try again in " + dev.sluice.protocol.Durations.formatMillis(waitMs) + ".");
            assertThat(header(r, "retry-after-ms")).isEqualTo(Long.toString(waitMs));

            clock.advance(Duration.ofMillis(waitMs - 1));
            assertError(gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":990")), 429, "tokens",
                    "rate_limit_exceeded", null, true);
            clock.advance(Duration.ofMillis(1));
            HttpResponse<String> ok = gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":990"));
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void imagesPerMinuteCountEveryImageRequested(Store store) {
        try (TestGateway gw = gateway(store, family("sim-image", "project", "{ipm: 5}"))) {
            String two = "{\"model\":\"sim-image\",\"prompt\":\"a red kite\",\"n\":2}";
            assertThat(gw.post("/v1/images/generations", two).statusCode()).isEqualTo(200);
            assertThat(gw.post("/v1/images/generations", two).statusCode()).isEqualTo(200);
            HttpResponse<String> r = gw.post("/v1/images/generations", two);
            JsonNode err = assertError(r, 429, "requests", "rate_limit_exceeded", null, true);
            assertThat(err.get("message").asText()).isEqualTo("Rate limit reached for sim-image in organization "
                    + orgId(gw) + " project " + projectId(gw) + " on images per min (IPM): Limit 5, Used 4, "
                    + "Requested 2. Please try again in 12s.");
            assertThat(header(r, "retry-after-ms")).isEqualTo("12000");
            assertThat(header(r, "retry-after")).isEqualTo("12");
            // one image still fits now; two fit after 12 s
            assertThat(gw.post("/v1/images/generations", two.replace("\"n\":2", "\"n\":1")).statusCode()).isEqualTo(200);
            clock.advance(Duration.ofSeconds(24));
            assertThat(gw.post("/v1/images/generations", two).statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void theTighterOfOrganizationAndProjectBindsAndIsNamed(Store store) {
        String limits = "  defaults:\n    sim-mini:\n      organization: {rpm: 3}\n      project: {rpm: 5}\n";
        try (TestGateway gw = gateway(store, limits)) {
            for (int i = 0; i < 3; i++) assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null));
            JsonNode err = assertError(r, 429, "requests", "rate_limit_exceeded", null, true);
            assertThat(err.get("message").asText()).isEqualTo("Rate limit reached for sim-mini in organization "
                    + orgId(gw) + " on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.");
            assertThat(header(r, "x-ratelimit-limit-requests")).isEqualTo("3");

            // The project's own limit, set through the admin API, is tighter still (once the buckets have drained:
            // a bucket drains at the rate of the limit in force, so lowering a limit slows its drain).
            clock.advance(Duration.ofMinutes(2));
            okJson(TrafficHarness.adminPost(gw, "/v1/organization/projects/" + projectId(gw)
                    + "/rate_limits/rl-sim-mini", "{\"max_requests_per_1_minute\": 2}"));
            for (int i = 0; i < 2; i++) assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            HttpResponse<String> p = gw.post("/v1/chat/completions", chat("sim-mini", null));
            JsonNode perr = assertError(p, 429, "requests", "rate_limit_exceeded", null, true);
            assertThat(perr.get("message").asText()).isEqualTo("Rate limit reached for sim-mini in organization "
                    + orgId(gw) + " project " + projectId(gw) + " on requests per min (RPM): Limit 2, Used 2, "
                    + "Requested 1. Please try again in 30s.");
            assertThat(header(p, "x-ratelimit-limit-requests")).isEqualTo("2");
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void failedRequestsStillCountTowardRequestsPerMinute(Store store) {
        try (TestGateway gw = gateway(store, family("sim-mini", "project", "{rpm: 3}"))) {
            assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "status=500"),
                    502, "server_error", "bad_gateway", null, true);
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            assertError(gw.post("/v1/chat/completions", chat("sim-mini", null)), 429, "requests",
                    "rate_limit_exceeded", null, true);
        }
    }

    /** Waits until {@code n} requests have passed every check and reached the simulator. */
    static void awaitInFlight(TestGateway gw, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (gw.gateway.simulator().orElseThrow().inFlight() >= n) return;
            Thread.onSpinWait();
        }
        throw new AssertionError("fewer than " + n + " requests reached the upstream");
    }
}
