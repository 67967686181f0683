package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

class BatchSmokeTest {
    @TempDir
    Path dir;

    @Test
    void smallBatchCompletes() {
        try (TestGateway gw = new TestGateway(dir, "simulator:\n  tokens_per_second: 0\n")) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 20; i++) sb.append(chatLine("c" + i, i == 3 ? "status=400" : "tokens=1"));
            String file = uploadBatchFile(gw, sb.toString());
            JsonNode b = createBatch(gw, file, "/v1/chat/completions");
            System.out.println(b.toPrettyString());
            JsonNode done = await(gw, b.get("id").asText(), terminal(), Duration.ofSeconds(30));
            System.out.println(done.toPrettyString());
            Map<String, JsonNode> r = resultsByCustomId(gw, done);
            System.out.println(r.get("c3"));
            System.out.println(r.get("c4"));
            assertThat(r).hasSize(20);
        }
    }
}
