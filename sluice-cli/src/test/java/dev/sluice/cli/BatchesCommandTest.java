package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.client.SluiceClient;
import dev.sluice.gateway.TestGateway;
import dev.sluice.protocol.wire.Batch;
import dev.sluice.protocol.wire.BatchCreateRequest;
import dev.sluice.protocol.wire.FileObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.sluice.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice batches …} against a real gateway: watch draws progress to the end, get/list/cancel, errors. */
class BatchesCommandTest {
    static final String KEY = "sk-proj-cliBatches0123456789abcdefghijklmnopqr";
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

    static String batch(int lines, String sim) {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            in.append("{\"custom_id\":\"").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                    + "\"body\":{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"metadata\":{\"sluice_sim\":\"").append(i == 0 ? "status=400" : sim).append("\"}}}\n");
        }
        try (SluiceClient client = SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY).build()) {
            FileObject f = client.files().upload("in.jsonl", in.toString().getBytes(StandardCharsets.UTF_8), "batch");
            return client.batches().create(BatchCreateRequest.of(f.id(), "/v1/chat/completions")).id();
        }
    }

    @Test
    void watchDrawsProgressUntilTheBatchCompletesAndSummarisesIt() {
        String id = batch(40, "tokens=1;delay_ms=20");
        CliTest.Run r = run("batches", "watch", id, "--api-key", KEY, "--base-url", gateway.baseUrl(),
                "--interval", "0.05");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("] 100%  40/40 done, 1 failed").contains(id + " completed: 39 completed, 1 failed of 40")
                .contains("; output file-").contains("; errors file-");
        assertThat(r.out().lines().filter(l -> l.startsWith("[")).count()).as("progress lines").isGreaterThan(1);
    }

    @Test
    void watchJsonPrintsTheFinalBatchObject() throws Exception {
        String id = batch(3, "tokens=1");
        CliTest.Run r = run("batches", "watch", id, "--json", "--api-key", KEY, "--base-url", gateway.baseUrl(),
                "--interval", "0.05");
        assertThat(r.code()).isZero();
        // the in-process gateway logs JSON lines to the same stdout; the object is the indented block
        String json = r.out().substring(r.out().indexOf("{" + System.lineSeparator() + "  \"id\""));
        JsonNode b = new ObjectMapper().readTree(json);
        assertThat(b.get("id")).as(r.out()).isNotNull();
        assertThat(b.get("id").asText()).isEqualTo(id);
        assertThat(b.get("status").asText()).isEqualTo("completed");
        assertThat(b.get("request_counts").get("total").asInt()).isEqualTo(3);
    }

    @Test
    void watchOfACancelledBatchExitsWithThree() {
        String id = batch(200, "tokens=1;delay_ms=50");
        CliTest.Run c = run("batches", "cancel", id, "--api-key", KEY, "--base-url", gateway.baseUrl());
        assertThat(c.code()).isZero();
        assertThat(c.out()).contains(id).containsAnyOf("cancelling", "cancelled");
        CliTest.Run r = run("batches", "watch", id, "--api-key", KEY, "--base-url", gateway.baseUrl(), "--interval", "0.05");
        assertThat(r.code()).isEqualTo(BatchesCommand.NOT_COMPLETED);
        assertThat(r.out()).contains(id + " cancelled");
    }

    @Test
    void getAndListShowTheBatch() {
        String id = batch(2, "tokens=1");
        CliTest.Run g = run("batches", "get", id, "--api-key", KEY, "--base-url", gateway.baseUrl());
        assertThat(g.code()).isZero();
        assertThat(g.out()).contains("\"id\" : \"" + id + "\"");
        CliTest.Run l = run("batches", "list", "--api-key", KEY, "--base-url", gateway.baseUrl());
        assertThat(l.code()).isZero();
        assertThat(l.out()).contains(id);
    }

    @Test
    void anUnknownBatchIsAOneLineErrorWithExitStatusOne() {
        CliTest.Run r = run("batches", "watch", "batch_nope", "--api-key", KEY, "--base-url", gateway.baseUrl());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("404 not_found: No batch found with id 'batch_nope'.");
    }

    @Test
    void aWrongKeyIsReportedMasked() {
        CliTest.Run r = run("batches", "list", "--api-key", "sk-proj-wrongwrongwrongwrong1234", "--base-url",
                gateway.baseUrl());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("401 invalid_api_key").doesNotContain("wrongwrongwrongwrong1234");
    }

    @Test
    void helpListsTheBatchesCommands() {
        assertThat(run("--help").out()).contains("batches");
        assertThat(run("batches", "--help").out()).contains("watch").contains("list").contains("get").contains("cancel");
    }

    @Test
    void theBarShowsDoneFailedTotalRateAndEta() {
        ProgressBar bar = new ProgressBar();
        Batch start = new Batch("batch_1", "batch", "/v1/chat/completions", null, "f", "24h", "in_progress", null,
                null, 1L, 1L, 2L, null, null, null, null, null, null, new Batch.RequestCounts(1000, 100, 0), null);
        bar.render(start, TimeUnit.SECONDS.toNanos(10));
        Batch later = new Batch("batch_1", "batch", "/v1/chat/completions", null, "f", "24h", "in_progress", null,
                null, 1L, 1L, 2L, null, null, null, null, null, null, new Batch.RequestCounts(1000, 480, 20), null);
        assertThat(bar.render(later, TimeUnit.SECONDS.toNanos(14)))
                .isEqualTo("[###############---------------]  50%  500/1000 done, 20 failed  100/s  ETA 5s  in_progress");
        assertThat(ProgressBar.duration(3725)).isEqualTo("1h2m");
        assertThat(ProgressBar.duration(95)).isEqualTo("1m35s");
    }
}
