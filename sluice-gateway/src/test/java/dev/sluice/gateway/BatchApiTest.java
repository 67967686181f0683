package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.BatchTestSupport.*;
import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Batch API's contract over real HTTP: the batch object, asynchronous validation (one test per error code, with
 * its line number), every refusal of create / retrieve / cancel, listing, and project isolation.
 */
class BatchApiTest {
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\nbatch:\n  max_tasks: 3\n").start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static final String OK1 = chatLine("one", "tokens=1");
    static final String OK2 = chatLine("two", "tokens=1");

    /** Runs the file through create + validation and returns the failed batch. */
    static JsonNode failedBatch(String jsonl) {
        String file = uploadBatchFile(gw, jsonl);
        String id = createBatch(gw, file, "/v1/chat/completions").get("id").asText();
        JsonNode b = await(gw, id, terminal(), Duration.ofSeconds(30));
        assertThat(b.get("status").asText()).isEqualTo("failed");
        assertThat(b.get("failed_at").isNumber()).isTrue();
        assertThat(b.get("in_progress_at").isNull()).isTrue();
        assertThat(b.get("output_file_id").isNull() && b.get("error_file_id").isNull()).isTrue();
        assertThat(b.get("errors").get("object").asText()).isEqualTo("list");
        return b;
    }

    static JsonNode onlyError(JsonNode failed) {
        assertThat(failed.get("errors").get("data")).as(failed.toString()).hasSize(1);
        return failed.get("errors").get("data").get(0);
    }

    static void assertLineError(JsonNode e, String code, String param, Integer line) {
        assertThat(e.get("code").asText()).isEqualTo(code);
        assertThat(e.get("message").asText()).isNotBlank();
        if (param == null) assertThat(e.get("param").isNull()).isTrue();
        else assertThat(e.get("param").asText()).isEqualTo(param);
        if (line == null) assertThat(e.get("line").isNull()).isTrue();
        else assertThat(e.get("line").asInt()).isEqualTo(line);
    }

    @Test
    void aBatchIsCreatedValidatingWithEveryFieldOfTheObjectAndCompletes() {
        String file = uploadBatchFile(gw, OK1 + OK2);
        HttpResponse<String> r = gw.post("/v1/batches", "{\"input_file_id\":\"" + file + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":{\"job\":\"nightly\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-request-id")).isPresent();
        JsonNode b = json(r.body());
        assertThat(b.get("id").asText()).startsWith("batch_");
        assertThat(b.get("object").asText()).isEqualTo("batch");
        assertThat(b.get("status").asText()).isIn("validating", "in_progress", "finalizing", "completed");
        assertThat(b.get("input_file_id").asText()).isEqualTo(file);
        assertThat(b.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(b.get("completion_window").asText()).isEqualTo("24h");
        assertThat(b.get("metadata").get("job").asText()).isEqualTo("nightly");
        assertThat(b.get("expires_at").asLong() - b.get("created_at").asLong()).isEqualTo(24 * 3600);
        for (String f : List.of("errors", "output_file_id", "error_file_id", "in_progress_at", "finalizing_at",
                "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at")) {
            assertThat(b.has(f)).as(f).isTrue();
        }
        JsonNode done = await(gw, b.get("id").asText(), terminal(), Duration.ofSeconds(30));
        assertThat(done.get("status").asText()).isEqualTo("completed");
        long created = done.get("created_at").asLong();
        assertThat(done.get("in_progress_at").asLong()).isGreaterThanOrEqualTo(created);
        assertThat(done.get("finalizing_at").asLong()).isGreaterThanOrEqualTo(done.get("in_progress_at").asLong());
        assertThat(done.get("completed_at").asLong()).isGreaterThanOrEqualTo(done.get("finalizing_at").asLong());
        assertThat(done.get("request_counts").toString()).isEqualTo("{\"total\":2,\"completed\":2,\"failed\":0}");
        assertThat(done.get("error_file_id").isNull()).isTrue();
        JsonNode out = json(gw.request("GET", "/v1/files/" + done.get("output_file_id").asText()).body());
        assertThat(out.get("purpose").asText()).isEqualTo("batch_output");
        Map<String, JsonNode> results = resultsByCustomId(gw, done);
        assertThat(results).containsOnlyKeys("one", "two");
        JsonNode line = results.get("one");
        assertThat(line.get("id").asText()).startsWith("batch_req_");
        assertThat(line.get("response").get("status_code").asInt()).isEqualTo(200);
        assertThat(line.get("response").get("body").get("choices")).isNotEmpty();
        assertThat(line.get("error").isNull()).isTrue();
    }

    @Test
    void deletingTheInputFileDoesNotPullItFromUnderTheBatch() {
        String file = uploadBatchFile(gw, OK1 + OK2);
        String id = createBatch(gw, file, "/v1/chat/completions").get("id").asText();
        assertThat(gw.request("DELETE", "/v1/files/" + file).statusCode()).isEqualTo(200);
        JsonNode done = await(gw, id, terminal(), Duration.ofSeconds(30));
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("input_file_id").asText()).isEqualTo(file);
        assertThat(resultsByCustomId(gw, done)).containsOnlyKeys("one", "two");
    }

    @Test
    void aLineThatIsNotJsonFailsTheBatchWithInvalidJsonLineAndItsLineNumber() {
        assertLineError(onlyError(failedBatch(OK1 + "{not json\n")), "invalid_json_line", null, 2);
    }

    @Test
    void aLineWithoutCustomIdFailsWithMissingCustomId() {
        String line = "{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"sim-mini\"}}\n";
        assertLineError(onlyError(failedBatch(line + OK1)), "missing_custom_id", "custom_id", 1);
    }

    @Test
    void aRepeatedCustomIdFailsWithDuplicateCustomIdOnTheRepeat() {
        assertLineError(onlyError(failedBatch(OK1 + OK2 + OK1)), "duplicate_custom_id", "custom_id", 3);
    }

    @Test
    void aLineForAnotherEndpointFailsWithUrlMismatch() {
        String line = "{\"custom_id\":\"e\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":\"sim-embed\","
                + "\"input\":\"x\"}}\n";
        JsonNode e = onlyError(failedBatch(OK1 + line));
        assertLineError(e, "url_mismatch", "url", 2);
        assertThat(e.get("message").asText()).contains("/v1/embeddings").contains("/v1/chat/completions");
    }

    @Test
    void aLineWithAnotherMethodFailsWithInvalidMethod() {
        String line = OK2.replace("\"POST\"", "\"GET\"");
        assertLineError(onlyError(failedBatch(OK1 + line)), "invalid_method", "method", 2);
    }

    @Test
    void aLineWithAnUnknownModelFailsWithModelNotFound() {
        String line = OK2.replace("sim-mini", "gpt-nonexistent");
        JsonNode e = onlyError(failedBatch(line));
        assertLineError(e, "model_not_found", "body.model", 1);
        assertThat(e.get("message").asText()).contains("gpt-nonexistent");
    }

    @Test
    void aFileWithoutRequestsFailsWithEmptyFile() {
        assertLineError(onlyError(failedBatch("\n  \n")), "empty_file", null, null);
    }

    @Test
    void moreRequestsThanTheBatchLimitFailWithTooManyTasks() {
        JsonNode e = onlyError(failedBatch(OK1 + OK2 + chatLine("three", null) + chatLine("four", null)));
        assertLineError(e, "too_many_tasks", null, null);
        assertThat(e.get("message").asText()).contains("3");
    }

    @Test
    void severalBadLinesAreAllReportedWithTheirLineNumbers() {
        JsonNode b = failedBatch("oops\n" + OK1 + "\n" + OK1);
        List<String> codes = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        b.get("errors").get("data").forEach(e -> {
            codes.add(e.get("code").asText());
            lines.add(e.get("line").asInt());
        });
        assertThat(codes).containsExactly("invalid_json_line", "duplicate_custom_id");
        assertThat(lines).containsExactly(1, 4);
    }

    @Test
    void anUnknownInputFileIs404NotFound() {
        JsonNode e = assertError(gw.post("/v1/batches", "{\"input_file_id\":\"file-nope\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\"}"), 404, "invalid_request_error",
                "not_found", "input_file_id", false);
        assertThat(e.get("message").asText()).isEqualTo("No file found with id 'file-nope'.");
    }

    @Test
    void aBatchOnAFileThatIsNotPurposeBatchIs422() {
        String file = uploadBatchFile(gw, OK1);
        JsonNode done = await(gw, createBatch(gw, file, "/v1/chat/completions").get("id").asText(), terminal(),
                Duration.ofSeconds(30));
        String output = done.get("output_file_id").asText();
        JsonNode e = assertError(gw.post("/v1/batches", "{\"input_file_id\":\"" + output + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\"}"), 422, "invalid_request_error",
                "unprocessable_entity", "input_file_id", false);
        assertThat(e.get("message").asText()).contains(output).contains("batch_output");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing input_file_id|{\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}|400||input_file_id",
            "missing endpoint|{\"input_file_id\":\"f\",\"completion_window\":\"24h\"}|400||endpoint",
            "missing window|{\"input_file_id\":\"f\",\"endpoint\":\"/v1/chat/completions\"}|400||completion_window",
            "unsupported endpoint|{\"input_file_id\":\"f\",\"endpoint\":\"/v1/images/generations\",\"completion_window\":\"24h\"}|400|invalid_value|endpoint",
            "48h window|{\"input_file_id\":\"f\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"48h\"}|400|invalid_value|completion_window",
            "numeric file id|{\"input_file_id\":5,\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}|400|invalid_type|input_file_id",
            "unknown field|{\"input_file_id\":\"f\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"model\":\"x\"}|400|unknown_parameter|model",
            "metadata not an object|{\"input_file_id\":\"f\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":[1]}|400|invalid_type|metadata",
            "metadata value not a string|{\"input_file_id\":\"f\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":{\"a\":1}}|400|invalid_type|metadata.a",
    })
    void aBadCreateBodyIsA400NamingTheParameter(String why, String body, int status, String code, String param) {
        assertError(gw.post("/v1/batches", body), status, "invalid_request_error", code, param, false);
    }

    @Test
    void moreThanSixteenMetadataPairsIsAnInvalidValue() {
        StringBuilder m = new StringBuilder("{");
        for (int i = 0; i < 17; i++) m.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        m.append('}');
        assertError(gw.post("/v1/batches", "{\"input_file_id\":\"f\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\",\"metadata\":" + m + "}"), 400, "invalid_request_error",
                "invalid_value", "metadata", false);
    }

    @Test
    void invalidJsonIsA400() {
        assertError(gw.post("/v1/batches", "{"), 400, "invalid_request_error", null, null, false);
    }

    @Test
    void anUnknownBatchIs404ForGetAndCancel() {
        JsonNode e = assertError(gw.request("GET", "/v1/batches/batch_nope"), 404, "invalid_request_error",
                "not_found", null, false);
        assertThat(e.get("message").asText()).isEqualTo("No batch found with id 'batch_nope'.");
        assertError(gw.post("/v1/batches/batch_nope/cancel", ""), 404, "invalid_request_error", "not_found", null,
                false);
    }

    @Test
    void cancellingAFinishedBatchIs409Conflict() {
        String id = createBatch(gw, uploadBatchFile(gw, OK1), "/v1/chat/completions").get("id").asText();
        await(gw, id, terminal(), Duration.ofSeconds(30));
        JsonNode e = assertError(gw.post("/v1/batches/" + id + "/cancel", ""), 409, "invalid_request_error",
                "conflict", null, false);
        assertThat(e.get("message").asText()).contains(id).contains("completed");
    }

    @Test
    void batchesAreListedNewestFirstWithCursors() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) ids.add(createBatch(gw, uploadBatchFile(gw, OK1), "/v1/chat/completions").get("id").asText());
        JsonNode page = json(gw.request("GET", "/v1/batches?limit=2").body());
        assertThat(page.get("object").asText()).isEqualTo("list");
        assertThat(page.get("data")).hasSize(2);
        assertThat(page.get("has_more").asBoolean()).isTrue();
        assertThat(page.get("data").get(0).get("id").asText()).isEqualTo(ids.get(2));
        assertThat(page.get("data").get(1).get("id").asText()).isEqualTo(ids.get(1));
        JsonNode next = json(gw.request("GET", "/v1/batches?limit=2&after=" + page.get("last_id").asText()).body());
        assertThat(next.get("data").get(0).get("id").asText()).isEqualTo(ids.get(0));
        assertError(gw.request("GET", "/v1/batches?limit=101"), 400, "invalid_request_error", "invalid_value",
                "limit", false);
        assertError(gw.request("GET", "/v1/batches?after=batch_nope"), 400, "invalid_request_error", "invalid_value",
                "after", false);
        for (String id : ids) await(gw, id, terminal(), Duration.ofSeconds(30));
    }

    @Test
    void anotherProjectsBatchIsNotFound() {
        String id = createBatch(gw, uploadBatchFile(gw, OK1), "/v1/chat/completions").get("id").asText();
        String other = OtherProject.key(gw);
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/batches/" + id)))
                .header("authorization", "Bearer " + other).GET().build());
        assertError(r, 404, "invalid_request_error", "not_found", null, false);
        HttpResponse<String> c = gw.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/batches/" + id + "/cancel")))
                .header("authorization", "Bearer " + other).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertError(c, 404, "invalid_request_error", "not_found", null, false);
        await(gw, id, terminal(), Duration.ofSeconds(30));
    }

    @Test
    void batchRoutesNeedAKey() {
        assertError(gw.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/batches"))).GET().build()), 401,
                "invalid_request_error", "missing_api_key", null, false);
        HttpResponse<String> r = gw.request("GET", "/v1/batches/x/cancel");
        assertError(r, 405, "invalid_request_error", "method_not_allowed", null, false);
        assertThat(r.headers().firstValue("allow")).contains("POST");
    }
}
