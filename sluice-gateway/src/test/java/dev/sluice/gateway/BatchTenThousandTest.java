package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.usage.UsageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance run: 10,000 lines through the simulator, 2 % of them with injected faults, every custom_id in
 * exactly one of the two files, the counts equal to the files, and one usage record per line under the batch's key.
 */
class BatchTenThousandTest {
    static final int LINES = 10_000;
    @TempDir
    Path dir;

    @Test
    void aTenThousandLineBatchCompletesWithEveryCustomIdOnceAndFaultsInTheErrorFile() throws Exception {
        try (TestGateway gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\n"
                // A throughput test: limits far above what the batch needs (batch lines obey rate limits).
                + "limits:\n  defaults:\n    sim-mini:\n      organization: {rpm: 1000000, tpm: 1000000000}\n      project: {rpm: 1000000, tpm: 1000000000}\n").start()) {
            StringBuilder in = new StringBuilder(LINES * 200);
            Set<String> bad400 = new HashSet<>();
            Set<String> bad500 = new HashSet<>();
            for (int i = 0; i < LINES; i++) {
                String id = "req-" + i;
                String sim = "tokens=1";
                if (i % 50 == 7) {
                    sim = "status=400";
                    bad400.add(id);
                } else if (i % 50 == 33) {
                    sim = "status=500";
                    bad500.add(id);
                }
                in.append(chatLine(id, sim));
            }
            String file = uploadBatchFile(gw, in.toString());
            long start = System.nanoTime();
            String id = createBatch(gw, file, "/v1/chat/completions").get("id").asText();
            JsonNode done = await(gw, id, terminal(), Duration.ofSeconds(120));
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("10,000-line batch: %d ms (%.0f lines/s)%n", millis, LINES * 1000.0 / millis);

            assertThat(done.get("status").asText()).isEqualTo("completed");
            assertThat(done.get("request_counts").get("total").asInt()).isEqualTo(LINES);
            assertThat(done.get("request_counts").get("completed").asInt()).isEqualTo(LINES - 400);
            assertThat(done.get("request_counts").get("failed").asInt()).isEqualTo(400);
            assertThat(bad400).hasSize(200);
            assertThat(bad500).hasSize(200);

            List<JsonNode> output = lines(gw, done.get("output_file_id").asText());
            List<JsonNode> errors = lines(gw, done.get("error_file_id").asText());
            assertThat(output).hasSize(LINES - 400);
            assertThat(errors).hasSize(400);
            Map<String, JsonNode> all = resultsByCustomId(gw, done); // asserts no custom_id twice
            assertThat(all).hasSize(LINES);
            for (JsonNode line : output) {
                assertThat(line.get("response").get("status_code").asInt()).isEqualTo(200);
                assertThat(line.get("response").get("body").get("object").asText()).isEqualTo("chat.completion");
                assertThat(line.get("response").get("request_id").asText()).matches("req_[0-9a-f]{32}");
                assertThat(line.get("error").isNull()).isTrue();
            }
            for (JsonNode line : errors) {
                String cid = line.get("custom_id").asText();
                JsonNode response = line.get("response");
                JsonNode err = response.get("body").get("error");
                if (bad400.contains(cid)) {
                    assertThat(response.get("status_code").asInt()).isEqualTo(400);
                    assertThat(err.get("code").asText()).isEqualTo("invalid_value");
                } else {
                    assertThat(bad500).contains(cid);
                    assertThat(response.get("status_code").asInt()).isEqualTo(502);
                    assertThat(err.get("code").asText()).isEqualTo("bad_gateway");
                }
                assertThat(err.has("message") && err.has("type") && err.has("param")).isTrue();
            }

            String batchKey = batchKeyId(gw, id);
            List<UsageRecord> usage = gw.usage.records().stream().filter(u -> batchKey.equals(u.keyId())).toList();
            assertThat(usage).hasSize(LINES);
            assertThat(usage.stream().map(UsageRecord::requestId).distinct().count()).isEqualTo(LINES);
        }
    }

    static String batchKeyId(TestGateway gw, String batchId) throws SQLException {
        try (Connection c = gw.gateway.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT batch_key_id FROM batches WHERE id = ?")) {
            ps.setString(1, batchId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }
}
