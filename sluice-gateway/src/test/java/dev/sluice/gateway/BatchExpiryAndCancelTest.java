package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two ways a batch ends early, one line at a time (concurrency 1) with the third line slow, so the test can act
 * while it is in flight: the window passes (a fake clock jumps 25 h) or the caller cancels. Either way the line in
 * flight finishes, the lines not yet sent get an error line, and the partial files hold every custom_id once.
 */
class BatchExpiryAndCancelTest {
    static final String YAML = "simulator:\n  tokens_per_second: 0\nbatch:\n  concurrency: 1\n";
    @TempDir
    Path dir;

    static String sixLines() {
        StringBuilder in = new StringBuilder();
        for (int i = 1; i <= 6; i++) in.append(chatLine("l" + i, i == 3 ? "delay_ms=2000;tokens=1" : "tokens=1"));
        return in.toString();
    }

    @Test
    void linesNotRunByExpiresAtGetBatchExpiredAndTheBatchEndsExpired() {
        FakeTime clock = FakeTime.startingNow();
        try (TestGateway gw = TestGateway.builder(dir).config(YAML).clock(clock).start()) {
            String id = createBatch(gw, uploadBatchFile(gw, sixLines()), "/v1/chat/completions").get("id").asText();
            await(gw, id, b -> b.get("request_counts").get("completed").asInt() == 2, Duration.ofSeconds(30));
            clock.advance(Duration.ofHours(25)); // line 3 is in flight for another ~2 s

            JsonNode b = await(gw, id, terminal(), Duration.ofSeconds(30));
            assertThat(b.get("status").asText()).isEqualTo("expired");
            assertThat(b.get("expired_at").asLong()).isGreaterThan(b.get("expires_at").asLong());
            assertThat(b.get("completed_at").isNull() && b.get("cancelled_at").isNull()).isTrue();
            assertThat(b.get("request_counts").toString()).isEqualTo("{\"total\":6,\"completed\":3,\"failed\":3}");
            Map<String, JsonNode> r = resultsByCustomId(gw, b);
            assertThat(r).containsOnlyKeys("l1", "l2", "l3", "l4", "l5", "l6");
            for (String ok : new String[] {"l1", "l2", "l3"}) {
                assertThat(r.get(ok).get("response").get("status_code").asInt()).isEqualTo(200);
            }
            for (String expired : new String[] {"l4", "l5", "l6"}) {
                JsonNode line = r.get(expired);
                assertThat(line.get("response").isNull()).isTrue();
                assertThat(line.get("error").get("code").asText()).isEqualTo("batch_expired");
                assertThat(line.get("error").get("message").asText()).contains("completion window expired");
            }
            assertThat(lines(gw, b.get("error_file_id").asText())).hasSize(3);
        }
    }

    @Test
    void cancelLetsTheLineInFlightFinishAndEndsCancelledWithPartialFiles() {
        try (TestGateway gw = TestGateway.builder(dir).config(YAML).start()) {
            String id = createBatch(gw, uploadBatchFile(gw, sixLines()), "/v1/chat/completions").get("id").asText();
            await(gw, id, b -> b.get("request_counts").get("completed").asInt() == 2, Duration.ofSeconds(30));

            HttpResponse<String> c = gw.post("/v1/batches/" + id + "/cancel", "");
            assertThat(c.statusCode()).as(c.body()).isEqualTo(200);
            JsonNode cancelling = json(c.body());
            assertThat(cancelling.get("status").asText()).isEqualTo("cancelling");
            assertThat(cancelling.get("cancelling_at").isNumber()).isTrue();
            HttpResponse<String> again = gw.post("/v1/batches/" + id + "/cancel", "");
            assertThat(again.statusCode()).as("cancelling twice is fine").isEqualTo(200);

            JsonNode b = await(gw, id, terminal(), Duration.ofSeconds(30));
            assertThat(b.get("status").asText()).isEqualTo("cancelled");
            assertThat(b.get("cancelled_at").asLong()).isGreaterThanOrEqualTo(b.get("cancelling_at").asLong());
            assertThat(b.get("request_counts").toString()).isEqualTo("{\"total\":6,\"completed\":3,\"failed\":3}");
            Map<String, JsonNode> r = resultsByCustomId(gw, b);
            assertThat(r).containsOnlyKeys("l1", "l2", "l3", "l4", "l5", "l6");
            assertThat(r.get("l3").get("response").get("status_code").asInt()).as("in flight at cancel").isEqualTo(200);
            for (String notRun : new String[] {"l4", "l5", "l6"}) {
                assertThat(r.get(notRun).get("error").get("code").asText()).isEqualTo("batch_cancelled");
            }
            assertThat(lines(gw, b.get("output_file_id").asText())).hasSize(3);
        }
    }
}
