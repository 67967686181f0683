package dev.sluice.client.batch;

import dev.sluice.testing.FakeTime;
import dev.sluice.client.SluiceClient;
import dev.sluice.gateway.TestGateway;
import dev.sluice.protocol.wire.Batch;
import dev.sluice.protocol.wire.ChatCompletionRequest;
import dev.sluice.protocol.wire.ChatMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BatchHelper} end to end against the real gateway and its simulator: JSONL, multipart upload, create, poll,
 * download of both files, and one result per input matched by custom_id, including a line the simulator fails.
 */
class BatchHelperAgainstGatewayTest {
    static final String KEY = "sk-proj-batchHelper0123456789abcdefghijklmnopq";
    static final String URL = "/v1/chat/completions";
    @TempDir
    static Path dir;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.builder(dir).demoKey(KEY).config("simulator:\n  tokens_per_second: 0\n").start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void aBatchRunThroughTheGatewayReturnsOneResultPerRequestMatchedByCustomId() {
        List<BatchRequest> requests = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            requests.add(BatchRequest.post("q-" + i, URL, ChatCompletionRequest.of("sim-mini",
                    List.of(ChatMessage.user("question " + i)))));
        }
        requests.add(BatchRequest.post("rejected", URL, Map.of("model", "sim-mini",
                "messages", List.of(Map.of("role", "user", "content", "x")),
                "metadata", Map.of("sluice_sim", "status=400"))));
        FakeTime time = new FakeTime();
        List<Batch> progress = new CopyOnWriteArrayList<>();
        try (SluiceClient client = SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY)
                .clock(time).sleeper(time::sleep).build()) {
            BatchRun run = new BatchHelper(client).run(requests, BatchHelper.Options.defaults()
                    .pollInterval(Duration.ofSeconds(1)).maxWait(Duration.ofHours(1))
                    .metadata(Map.of("job", "helper-test")), progress::add);

            assertThat(run.batch().status()).isEqualTo("completed");
            assertThat(run.batch().requestCounts()).isEqualTo(new Batch.RequestCounts(13, 12, 1));
            assertThat(run.batch().metadata()).containsEntry("job", "helper-test");
            assertThat(progress.getFirst().status()).isEqualTo("validating");
            assertThat(run.results()).extracting(BatchResult::customId)
                    .containsExactlyElementsOf(requests.stream().map(BatchRequest::customId).toList());
            assertThat(run.missing()).isEmpty();
            assertThat(run.succeeded()).hasSize(12).allSatisfy(s -> {
                assertThat(s.statusCode()).isEqualTo(200);
                assertThat(s.body().get("object").asText()).isEqualTo("chat.completion");
                assertThat(s.requestId()).matches("req_[0-9a-f]{32}");
            });
            BatchResult.Failed rejected = (BatchResult.Failed) run.get("rejected").orElseThrow();
            assertThat(rejected.statusCode()).isEqualTo(400);
            assertThat(rejected.code()).isEqualTo("invalid_value");
            assertThat(rejected.requestId()).matches("req_[0-9a-f]{32}");
        }
    }
}
