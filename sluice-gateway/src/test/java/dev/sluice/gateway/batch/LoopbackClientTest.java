package dev.sluice.gateway.batch;

import dev.sluice.protocol.ErrorKind;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

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

    @Test
    void aRateLimitIsWaitedOutForItsRetryAfter() {
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true", "retry-after-ms", "1500",
                "retry-after", "2"), RATE, 0)).isEqualTo(1500);
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true", "retry-after", "2"), RATE, 0))
                .isEqualTo(2000);
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true"), RATE, 3)).isEqualTo(8000);
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "true", "retry-after", "3600"), RATE, 0))
                .isEqualTo(LoopbackClient.MAX_THROTTLE_WAIT_MS);
    }

    @Test
    void overloadAndSlowDownAreWaitedOut() {
        assertThat(LoopbackClient.throttleWaitMs(503, headers("x-should-retry", "true", "retry-after", "1"),
                body(ErrorKind.SERVER_OVERLOADED), 0)).isEqualTo(1000);
        assertThat(LoopbackClient.throttleWaitMs(503, headers("x-should-retry", "true"), body(ErrorKind.SLOW_DOWN), 0))
                .isEqualTo(1000);
    }

    @Test
    void quotaUpstreamFailuresAndClientErrorsAreFinal() {
        assertThat(LoopbackClient.throttleWaitMs(429, headers("x-should-retry", "false"),
                body(ErrorKind.INSUFFICIENT_QUOTA), 0)).isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(503, headers("x-should-retry", "true"),
                body(ErrorKind.UPSTREAM_UNAVAILABLE, "model", "m"), 0)).isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(502, headers("x-should-retry", "true"), body(ErrorKind.BAD_GATEWAY), 0))
                .isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(429, headers(), RATE, 0)).as("no x-should-retry").isEqualTo(-1);
        assertThat(LoopbackClient.throttleWaitMs(400, headers("x-should-retry", "false"),
                body(ErrorKind.INVALID_JSON, "detail", "x"), 0)).isEqualTo(-1);
    }
}
