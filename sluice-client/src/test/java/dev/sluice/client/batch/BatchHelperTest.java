package dev.sluice.client.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.client.ApiTimeoutException;
import dev.sluice.testing.FakeTime;
import dev.sluice.client.NoLeakedThreads;
import dev.sluice.testing.ScriptedServer;
import dev.sluice.client.SluiceClient;
import dev.sluice.protocol.wire.Batch;
import dev.sluice.protocol.wire.ChatCompletionRequest;
import dev.sluice.protocol.wire.ChatMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@ExtendWith(NoLeakedThreads.class)
class BatchHelperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String URL = "/v1/chat/completions";
    private static final BatchHelper.Options OPTIONS = BatchHelper.Options.defaults().pollInterval(Duration.ofSeconds(30))
            .metadata(Map.of("job", "nightly"));

    private ScriptedServer server;
    private FakeTime time;
    private SluiceClient client;

    @BeforeEach
    void start() {
        server = ScriptedServer.start();
        time = new FakeTime();
        client = SluiceClient.builder().apiKey("sk-test").baseUrl(server.baseUrl()).clock(time).sleeper(time::sleep).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static List<BatchRequest> requests(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> BatchRequest.post(id, URL,
                ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.user("question " + id))))).toList();
    }

    @Test
    void aBatchRunReturnsOneResultPerInputMatchedByCustomIdWhateverTheOutputOrder() throws Exception {
        FakeBatchApi api = new FakeBatchApi("completed", List.of());
        server.route(api::handle);
        List<BatchRequest> inputs = requests("ok-1", "bad-1", "ok-2", "late-1", "lost-1", "ok-3");
        List<Batch> progress = new CopyOnWriteArrayList<>();

        BatchRun run = new BatchHelper(client).run(inputs, OPTIONS, progress::add);

        assertThat(run.batch().status()).isEqualTo("completed");
        assertThat(run.results()).extracting(BatchResult::customId)
                .containsExactly("ok-1", "bad-1", "ok-2", "late-1", "lost-1", "ok-3");
        assertThat(run.succeeded()).extracting(BatchResult.Succeeded::customId).containsExactly("ok-1", "ok-2", "ok-3");
        assertThat(run.succeeded()).allSatisfy(s -> {
            assertThat(s.statusCode()).isEqualTo(200);
            assertThat(s.body().get("id").asText()).isEqualTo("chatcmpl-" + s.customId());
            assertThat(s.requestId()).startsWith("req_");
        });
        BatchResult.Failed bad = (BatchResult.Failed) run.get("bad-1").orElseThrow();
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.code()).isEqualTo("invalid_value");
        assertThat(bad.message()).contains("temperature");
        BatchResult.Failed late = (BatchResult.Failed) run.get("late-1").orElseThrow();
        assertThat(late.code()).isEqualTo("batch_expired");
        assertThat(late.statusCode()).isNull();
        assertThat(run.missing()).extracting(BatchResult::customId).containsExactly("lost-1");

        assertThat(progress).extracting(Batch::status)
                .containsExactly("validating", "in_progress", "in_progress", "finalizing", "completed");
        assertThat(progress.get(2).requestCounts().completed()).isEqualTo(3);
        assertThat(progress.get(4).requestCounts()).isEqualTo(new Batch.RequestCounts(6, 3, 2));
        assertThat(time.sleeps()).containsOnly(Duration.ofSeconds(30)).hasSize(3);

        String inputFile = run.batch().inputFileId();
        assertThat(api.purposeOf(inputFile)).isEqualTo("batch");
        List<String> lines = api.contentOf(inputFile).lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(JSON.readTree(lines.get(1)).get("custom_id").asText()).isEqualTo("bad-1");
        assertThat(JSON.readTree(lines.get(1)).get("body").get("messages").get(0).get("content").asText())
                .isEqualTo("question bad-1");
        assertThat(run.batch().metadata()).containsEntry("job", "nightly");
    }

    @Test
    void anExpiredBatchStillReturnsWhatRanAndMarksTheRestBatchExpired() {
        server.route(new FakeBatchApi("expired", List.of())::handle);

        BatchRun run = new BatchHelper(client).run(requests("ok-1", "late-1", "late-2"), OPTIONS, b -> { });

        assertThat(run.batch().status()).isEqualTo("expired");
        assertThat(run.succeeded()).hasSize(1);
        assertThat(run.failed()).extracting(BatchResult.Failed::code).containsExactly("batch_expired", "batch_expired");
    }

    @Test
    void aBatchThatFailsValidationReportsTheErrorOnItsLineAndTheRestAsMissing() {
        server.route(new FakeBatchApi("completed", List.of(Map.of("code", "invalid_url", "message",
                "The URL provided for this request does not match the batch endpoint.", "param", "url", "line", 2)))::handle);

        BatchRun run = new BatchHelper(client).run(requests("ok-1", "ok-2", "ok-3"), OPTIONS, b -> { });

        assertThat(run.batch().status()).isEqualTo("failed");
        assertThat(run.get("ok-2")).get().isInstanceOfSatisfying(BatchResult.Failed.class,
                f -> assertThat(f.code()).isEqualTo("invalid_url"));
        assertThat(run.missing()).extracting(BatchResult::customId).containsExactly("ok-1", "ok-3");
    }

    @Test
    void pollingGivesUpAfterMaxWaitWithoutSleepingForReal() {
        server.route(r -> r.method().equals("GET")
                ? ScriptedServer.Reply.json(200, "{\"id\":\"batch_9\",\"object\":\"batch\",\"status\":\"in_progress\"}")
                : null);

        ApiTimeoutException e = catchThrowableOfType(ApiTimeoutException.class, () -> new BatchHelper(client)
                .await("batch_9", OPTIONS.maxWait(Duration.ofMinutes(2)), b -> { }));

        assertThat(e.getMessage()).contains("batch_9").contains("in_progress");
        assertThat(time.sleeps()).hasSize(4);
        assertThat(time.elapsed()).isLessThanOrEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void jsonlHasOneSnakeCaseLinePerRequestAndRejectsDuplicateIdsAndMixedEndpoints() throws Exception {
        byte[] jsonl = BatchHelper.toJsonl(List.of(BatchRequest.post("a", URL, Map.of("model", "m"))));
        assertThat(new String(jsonl, StandardCharsets.UTF_8))
                .isEqualTo("{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\"}}\n");

        assertThatThrownBy(() -> BatchHelper.toJsonl(requests("a", "a"))).hasMessageContaining("duplicate custom_id: a");
        assertThatThrownBy(() -> BatchHelper.toJsonl(List.of(BatchRequest.post("a", URL, Map.of()),
                BatchRequest.post("b", "/v1/embeddings", Map.of())))).hasMessageContaining("one endpoint");
        assertThatThrownBy(() -> BatchHelper.toJsonl(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void matchingSkipsUnreadableLinesAndUnknownIds() {
        String output = """
                {"id":"r2","custom_id":"b","response":{"status_code":200,"request_id":"req_2","body":{"n":2}},"error":null}
                {"id":"rx","custom_id":"stranger","response":{"status_code":200,"body":{}},"error":null}
                {truncated
                {"id":"r1","custom_id":"a","response":{"status_code":200,"request_id":"req_1","body":{"n":1}},"error":null}
                """;

        List<BatchResult> results = BatchHelper.match(requests("a", "b", "c"), output, "", null);

        assertThat(results).extracting(r -> r.getClass().getSimpleName()).containsExactly("Succeeded", "Succeeded", "Missing");
        assertThat(((BatchResult.Succeeded) results.get(0)).body().get("n").asInt()).isEqualTo(1);
    }
}
