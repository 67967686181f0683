package dev.sluice.client.batch;

import dev.sluice.testing.ScriptedServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.client.Multiparts;
import dev.sluice.testing.ScriptedServer.Recorded;
import dev.sluice.testing.ScriptedServer.Reply;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted Files + Batches API for the loopback test server. Each poll moves a batch one step:
 * validating → in_progress (0 done) → in_progress (half done) → finalizing → {@code finalStatus}. Outcomes are chosen
 * by custom_id prefix: {@code ok-} succeeds (output file), {@code bad-} gets a 400 (error file), {@code late-} gets
 * {@code batch_expired} (error file), {@code lost-} appears in neither. Files are written in reverse input order.
 */
final class FakeBatchApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, String> purposes = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> batches = new ConcurrentHashMap<>();
    private final Map<String, Integer> steps = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final String finalStatus;
    private final List<Map<String, Object>> validationErrors;

    FakeBatchApi(String finalStatus, List<Map<String, Object>> validationErrors) {
        this.finalStatus = finalStatus;
        this.validationErrors = validationErrors;
    }

    String purposeOf(String fileId) {
        return purposes.get(fileId);
    }

    String contentOf(String fileId) {
        return new String(files.get(fileId), StandardCharsets.UTF_8);
    }

    /** The router for {@link dev.sluice.client.ScriptedServer#route}. */
    Reply handle(Recorded r) {
        try {
            return answer(r.method(), r.path(), r.header("content-type"), r.body());
        } catch (Exception e) {
            return Reply.json(500, "{\"error\":{\"message\":\"fake failed: " + e + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
        }
    }

    private Reply answer(String method, String path, String contentType, byte[] body) throws Exception {
        if (method.equals("POST") && path.equals("/v1/files")) {
            Map<String, String> parts = Multiparts.parse(contentType, body);
            String id = "file-" + ids.incrementAndGet();
            files.put(id, parts.get("file").getBytes(StandardCharsets.UTF_8));
            purposes.put(id, parts.get("purpose"));
            return Reply.json(200, fileJson(id, parts.get("purpose"), files.get(id).length));
        }
        if (method.equals("GET") && path.matches("/v1/files/[^/]+/content")) {
            String id = path.split("/")[3];
            byte[] b = files.get(id);
            return b == null ? Reply.json(404, notFound("file", id)) : Reply.text(200, "application/octet-stream", new String(b, StandardCharsets.UTF_8));
        }
        if (method.equals("POST") && path.equals("/v1/batches")) {
            JsonNode req = JSON.readTree(body);
            String input = req.get("input_file_id").asText();
            if (!files.containsKey(input)) return Reply.json(404, notFound("file", input));
            if (!"batch".equals(purposes.get(input))) return Reply.json(422, "{\"error\":{\"message\":\"not a batch file\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"unprocessable_entity\"}}");
            String id = "batch_" + ids.incrementAndGet();
            ObjectNode b = JSON.createObjectNode().put("id", id).put("object", "batch")
                    .put("endpoint", req.get("endpoint").asText()).put("input_file_id", input)
                    .put("completion_window", req.get("completion_window").asText()).put("status", "validating")
                    .put("created_at", 1);
            b.putObject("request_counts").put("total", 0).put("completed", 0).put("failed", 0);
            if (req.has("metadata")) b.set("metadata", req.get("metadata"));
            batches.put(id, b);
            steps.put(id, 0);
            return Reply.json(200, b.toString());
        }
        if (method.equals("GET") && path.matches("/v1/batches/[^/]+")) {
            String id = path.split("/")[3];
            ObjectNode b = batches.get(id);
            if (b == null) return Reply.json(404, notFound("batch", id));
            advance(id, b);
            return Reply.json(200, b.toString());
        }
        return Reply.json(404, notFound("route", path));
    }

    private synchronized void advance(String id, ObjectNode b) throws Exception {
        int step = steps.merge(id, 1, Integer::sum);
        List<JsonNode> lines = new ArrayList<>();
        for (String l : contentOf(b.get("input_file_id").asText()).split("\n")) lines.add(JSON.readTree(l));
        ObjectNode counts = (ObjectNode) b.get("request_counts");
        counts.put("total", lines.size());
        if (!validationErrors.isEmpty()) {
            b.put("status", "failed");
            b.putObject("errors").put("object", "list").set("data", JSON.valueToTree(validationErrors));
            return;
        }
        switch (step) {
            case 1 -> b.put("status", "in_progress");
            case 2 -> counts.put("completed", lines.size() / 2);
            case 3 -> b.put("status", "finalizing");
            default -> finish(b, lines, counts);
        }
    }

    private void finish(ObjectNode b, List<JsonNode> lines, ObjectNode counts) {
        if (b.get("status").asText().equals(finalStatus)) return;
        StringBuilder out = new StringBuilder(), err = new StringBuilder();
        List<JsonNode> reversed = new ArrayList<>(lines);
        Collections.reverse(reversed);
        int ok = 0, failed = 0, n = 0;
        for (JsonNode line : reversed) {
            String cid = line.get("custom_id").asText();
            String rid = "req_" + String.format("%032x", ++n);
            if (cid.startsWith("ok-")) {
                ok++;
                out.append("{\"id\":\"batch_req_").append(n).append("\",\"custom_id\":\"").append(cid)
                        .append("\",\"response\":{\"status_code\":200,\"request_id\":\"").append(rid)
                        .append("\",\"body\":{\"id\":\"chatcmpl-").append(cid).append("\",\"object\":\"chat.completion\"}},\"error\":null}\n");
            } else if (cid.startsWith("bad-")) {
                failed++;
                err.append("{\"id\":\"batch_req_").append(n).append("\",\"custom_id\":\"").append(cid)
                        .append("\",\"response\":{\"status_code\":400,\"request_id\":\"").append(rid)
                        .append("\",\"body\":{\"error\":{\"message\":\"Invalid value for 'temperature'.\",\"type\":\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"invalid_value\"}}},\"error\":null}\n");
            } else if (cid.startsWith("late-")) {
                failed++;
                err.append("{\"id\":\"batch_req_").append(n).append("\",\"custom_id\":\"").append(cid)
                        .append("\",\"response\":null,\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could not be executed before the completion window expired.\"}}\n");
            }
        }
        err.append("not json at all\n");
        String outId = "file-" + ids.incrementAndGet();
        String errId = "file-" + ids.incrementAndGet();
        files.put(outId, out.toString().getBytes(StandardCharsets.UTF_8));
        files.put(errId, err.toString().getBytes(StandardCharsets.UTF_8));
        b.put("status", finalStatus).put("output_file_id", outId).put("error_file_id", errId);
        counts.put("completed", ok).put("failed", failed);
    }

    private static String fileJson(String id, String purpose, int bytes) {
        return "{\"id\":\"" + id + "\",\"object\":\"file\",\"bytes\":" + bytes + ",\"created_at\":1,\"filename\":\"batch-input.jsonl\",\"purpose\":\"" + purpose + "\",\"status\":\"processed\"}";
    }

    private static String notFound(String kind, String id) {
        return "{\"error\":{\"message\":\"No " + kind + " found with id '" + id + "'.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"not_found\"}}";
    }
}
