package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the gateway tells batch traffic to slow down (429 rate_limit_exceeded with retry-after, as limits that rank
 * batch lines below live traffic do), the lines wait and are sent again: the batch slows down, none of its lines
 * fail for it. A 400 or a 502 is still a line's final answer.
 */
class BatchThrottleTest {
    @TempDir
    Path dir;

    @Test
    void rateLimitedLinesAreSentAgainAfterRetryAfterInsteadOfFailing() {
        AtomicInteger refusals = new AtomicInteger();
        try (TestGateway gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\n").fault(ex -> {
            // every batch line is refused twice (by Idempotency-Key), like a limiter favouring live traffic
            if ("batch".equals(ex.header("x-sluice-priority")) && ex.endpoint().modelRequest()
                    && Math.floorMod(ex.header("idempotency-key").hashCode(), 3) != 0
                    && refusals.incrementAndGet() < 40) {
                throw ApiException.of(ErrorKind.RATE_LIMIT_REQUESTS, "model", "sim-mini", "org", "org-x",
                        "project", "", "limit_name", "requests per min", "limit_abbr", "RPM", "limit", "60",
                        "used", "60", "requested", "1", "wait", "20ms")
                        .withHeaders(Map.of("retry-after-ms", "20", "retry-after", "1"));
            }
        }).start()) {
            StringBuilder in = new StringBuilder();
            for (int i = 0; i < 30; i++) in.append(chatLine("t" + i, i == 5 ? "status=400" : "tokens=1"));
            String id = createBatch(gw, uploadBatchFile(gw, in.toString()), "/v1/chat/completions").get("id").asText();
            JsonNode done = await(gw, id, terminal(), Duration.ofSeconds(60));

            assertThat(refusals.get()).as("the limiter did refuse lines").isGreaterThan(10);
            assertThat(done.get("status").asText()).isEqualTo("completed");
            assertThat(done.get("request_counts").toString()).isEqualTo("{\"total\":30,\"completed\":29,\"failed\":1}");
            Map<String, JsonNode> r = resultsByCustomId(gw, done);
            assertThat(r.get("t5").get("response").get("status_code").asInt()).isEqualTo(400);
            assertThat(r.values()).filteredOn(l -> !l.get("custom_id").asText().equals("t5"))
                    .allSatisfy(l -> assertThat(l.get("response").get("status_code").asInt()).isEqualTo(200));
        }
    }
}
