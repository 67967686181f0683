package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Files and Batch API calls for tests: multipart uploads built by hand, batch polling, result files parsed. */
final class BatchTestSupport {
    private BatchTestSupport() {}

    static HttpResponse<String> upload(HttpTarget gw, String filename, byte[] content, String purpose) {
        String boundary = "----sluice" + UUID.randomUUID().toString().replace("-", "");
        List<byte[]> parts = new ArrayList<>();
        if (purpose != null) {
            parts.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + purpose
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        if (content != null) {
            parts.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                    + "\"\r\nContent-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            parts.add(content);
            parts.add("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        parts.add(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest r = HttpRequest.newBuilder(URI.create(gw.url("/v1/files"))).timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArrays(parts)).build();
        return gw.send(r);
    }

    /** Uploads {@code jsonl} with purpose batch and returns the file id. */
    static String uploadBatchFile(HttpTarget gw, String jsonl) {
        HttpResponse<String> r = upload(gw, "input.jsonl", jsonl.getBytes(StandardCharsets.UTF_8), "batch");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r.body()).get("id").asText();
    }

    static JsonNode createBatch(HttpTarget gw, String fileId, String endpoint) {
        HttpResponse<String> r = gw.post("/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\""
                + endpoint + "\",\"completion_window\":\"24h\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r.body());
    }

    static JsonNode getBatch(HttpTarget gw, String id) {
        HttpResponse<String> r = gw.request("GET", "/v1/batches/" + id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r.body());
    }

    /** Polls the batch until {@code done} holds (fails after {@code timeout}). */
    static JsonNode await(HttpTarget gw, String id, Predicate<JsonNode> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode b;
        while (true) {
            b = getBatch(gw, id);
            if (done.test(b)) return b;
            if (System.nanoTime() > deadline) throw new AssertionError("batch did not get there in time: " + b);
            pause();
        }
    }

    static JsonNode awaitStatus(HttpTarget gw, String id, String status, Duration timeout) {
        return await(gw, id, b -> status.equals(b.get("status").asText()), timeout);
    }

    static Predicate<JsonNode> terminal() {
        return b -> List.of("completed", "failed", "expired", "cancelled").contains(b.get("status").asText());
    }

    /** The lines of a file's content, parsed; empty for a null id. */
    static List<JsonNode> lines(HttpTarget gw, String fileId) {
        if (fileId == null) return List.of();
        HttpResponse<String> r = gw.request("GET", "/v1/files/" + fileId + "/content");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.body().split("\n")) if (!line.isBlank()) out.add(json(line));
        return out;
    }

    /** Output and error lines of a finished batch by custom_id, asserting no custom_id appears twice. */
    static Map<String, JsonNode> resultsByCustomId(HttpTarget gw, JsonNode batch) {
        Map<String, JsonNode> out = new HashMap<>();
        for (String field : List.of("output_file_id", "error_file_id")) {
            JsonNode id = batch.get(field);
            for (JsonNode line : lines(gw, id.isNull() ? null : id.asText())) {
                JsonNode previous = out.put(line.get("custom_id").asText(), line);
                assertThat(previous).as("custom_id %s appears twice", line.get("custom_id").asText()).isNull();
            }
        }
        return out;
    }

    static String chatLine(String customId, String sim) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello " + customId + "\"}]"
                + (sim == null ? "" : ",\"metadata\":{\"sluice_sim\":\"" + sim + "\"}") + "}}\n";
    }

    static String nullableText(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    static JsonNode json(String s) {
        try {
            return TestGateway.JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + s, e);
        }
    }

    /** A short pause between polls of an asynchronous batch (waiting for work, not for a timer). */
    static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
