package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The scale-out storage runs batches too: the same upload → batch → files round trip on PostgreSQL (never skipped). */
class BatchOnPostgresTest {
    static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    @TempDir
    Path dir;

    @Test
    void aBatchRunsToCompletionWithPostgresStorage() throws Exception {
        String schema = "sluice_batch_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        try (TestGateway gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\nstorage:\n  kind: postgres\n"
                + "  url: " + URL + "\n  user: postgres\n  schema: " + schema + "\n").start()) {
            StringBuilder in = new StringBuilder();
            for (int i = 0; i < 200; i++) in.append(chatLine("p" + i, i % 40 == 0 ? "status=400" : "tokens=1"));
            String id = createBatch(gw, uploadBatchFile(gw, in.toString()), "/v1/chat/completions").get("id").asText();
            JsonNode done = await(gw, id, terminal(), Duration.ofSeconds(60));
            assertThat(done.get("status").asText()).isEqualTo("completed");
            assertThat(done.get("request_counts").toString()).isEqualTo("{\"total\":200,\"completed\":195,\"failed\":5}");
            assertThat(resultsByCustomId(gw, done)).hasSize(200);
        } finally {
            try (Connection c = DriverManager.getConnection(URL, "postgres", null); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }
}
