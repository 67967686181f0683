package dev.sluice.gateway.batch;

import dev.sluice.protocol.ErrorKind;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Which answers a batch line waits out (the gateway pacing it) and which are its result. */
class LoopbackClientTest {
    static MultiMap headers(String... kv) {
        MultiMap m = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < kv.length; i += 2) m.add(kv[i], kv[i + 1]);
        return m;
    }

    static Buffer body(ErrorKind kind, String... vars) {
        return Buffer.buffer(kind.error(vars).toJson());
    }

    static final Buffer RATE = body(ErrorKind.RATE_LIMIT_REQUESTS, "model", "m", "org", "o", "project", "",
            "limit_name", "requests per min", "limit_abbr", "RPM", "limit", "1", "used", "1", "requested", "1",
            "wait", "1s");

    static final Instant NOW = Instant.parse("2026-11-05T10:00:00Z");

    @Test
    void aRateLimitIsWaitedOutForItsRetryAfter() {
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true", "retry-after-ms", "1500",
                "retry-after", "2"), RATE, 0, NOW)).isEqualTo(1500);
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true", "retry-after", "2"), RATE, 0, NOW))
                .isEqualTo(2000);
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true"), RATE, 3, NOW)).isEqualTo(8000);
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true", "retry-after", "3600"), RATE, 0, NOW))
                .isEqualTo(LoopbackClient.MAX_THROTTLE_WAIT_MS);
    }

    @Test
    void aRetryAfterHttpDateIsWaitedOutUntilThatTime() {
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true",
                "retry-after", "Thu, 05 Nov 2026 10:00:07 GMT"), RATE, 0, NOW)).isEqualTo(7000);
        assertThat(LoopbackClient.throttleWaitMs(503, headers("x-should-retry", "true",
                "retry-after", "Thu, 05 Nov 2026 09:59:00 GMT"), body(ErrorKind.SERVER_OVERLOADED), 3, NOW))
                .as("a date already past: send again at once").isZero();
    }

    @Test
    void overloadAndSlowDownAreWaitedOut() {
        assertThat(LoopbackClient.throttleWaitMs(503, headers("x-should-retry", "true", "retry-after", "1"),
                body(ErrorKind.SERVER_OVERLOADED), 0, NOW)).isEqualTo(1000);
        assertThat(LoopbackClient.throttleWaitMs(503, headers("x-should-retry", "true"), body(ErrorKind.SLOW_DOWN), 0, NOW))
                .isEqualTo(1000);
    }

    @Test
    void quotaUpstreamFailuresAndClientErrorsAreFinal() {
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "false"),
                body(ErrorKind.INSUFFICIENT_QUOTA), 0, NOW)).isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(503, headers("x-should-retry", "true"),
                body(ErrorKind.UPSTREAM_UNAVAILABLE, "model", "m"), 0, NOW)).isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(502, headers("x-should-retry", "true"), body(ErrorKind.BAD_GATEWAY), 0, NOW))
                .isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(429, headers(), RATE, 0, NOW)).as("no x-should-retry").isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(400, headers("x-should-retry", "false"),
                body(ErrorKind.INVALID_JSON, "detail", "x"), 0, NOW)).isEqualTo(-1);
    }
}
