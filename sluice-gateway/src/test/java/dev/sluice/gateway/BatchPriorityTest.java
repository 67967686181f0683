package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.sluice.gateway.BatchTestSupport.*;
import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** Batch lines are background work: they do not trip a project's Slow Down, and their key name cannot be forged. */
class BatchPriorityTest {
    @TempDir
    Path dir;

    @Test
    void aFastBatchNeitherTripsNorFeedsSlowDown() {
        try (TestGateway gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\n"
                + "slow_down:\n  floor_rpm: 20\n  factor: 2\n").start()) {
            StringBuilder in = new StringBuilder();
            for (int i = 0; i < 200; i++) in.append(chatLine("c" + i, "tokens=1"));
            String id = createBatch(gw, uploadBatchFile(gw, in.toString()), "/v1/chat/completions").get("id").asText();
            JsonNode done = awaitStatus(gw, id, "completed", Duration.ofSeconds(60));
            assertThat(done.at("/request_counts/completed").asInt()).isEqualTo(200);
            assertThat(done.at("/request_counts/failed").asInt()).isZero();
            // 200 batch lines in seconds did not become this project's baseline nor its "jump": live calls pass.
            for (int i = 0; i < 10; i++) {
                assertThat(gw.post("/v1/chat/completions", TestGateway.chat("sim-mini", null)).statusCode())
                        .isEqualTo(200);
            }
        }
    }

    @Test
    void anAdminCannotCreateAKeyThatPassesForABatchKey() {
        try (TestGateway gw = TestGateway.builder(dir).start()) {
            String project = gw.adminOk("GET", "/v1/organization/projects", null).at("/data/0/id").asText();
            assertError(gw.admin("POST", "/v1/organization/projects/" + project + "/api_keys",
                            "{\"name\":\"batch batch_fake\"}"), 400, "invalid_request_error", "invalid_value", "name",
                    false);
        }
    }
}
