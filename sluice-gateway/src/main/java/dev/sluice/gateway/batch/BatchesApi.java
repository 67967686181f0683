package dev.sluice.gateway.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.validation.ListQuery;
import dev.sluice.gateway.files.WireJson;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.store.BatchRecord;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Answers {@code /v1/batches}: create (body checked here; the input file and its state by {@link BatchService}),
 * list, retrieve and cancel, within the caller's project. Batch objects are written as OpenAI's, every
 * {@code *_at} in unix seconds and {@code null} until reached.
 */
public final class BatchesApi implements Stage {
    static final Set<String> ENDPOINTS = Set.of("/v1/chat/completions", "/v1/responses", "/v1/embeddings");
    private static final Set<String> KNOWN = Set.of("input_file_id", "endpoint", "completion_window", "metadata",
            "output_expires_after");
    private static final int MAX_METADATA = 16;

    private final BatchService service;

    public BatchesApi(BatchService service) {
        this.service = service;
    }

    @Override
    public StageOrder order() {
        return StageOrder.TERMINAL;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        Caller caller = ex.caller();
        return switch (ex.endpoint()) {
            case BATCHES_CREATE -> {
                BatchService.CreateRequest req = parse(ex);
                yield ex.blocking(() -> service.create(caller, req)).compose(b -> WireJson.ok(write(b)));
            }
            case BATCHES_LIST -> {
                ListQuery p = ListQuery.ordered(ex.request().params(), 20, 100);
                yield ex.blocking(() -> {
                            p.requireKnownAfter(id -> service.records().find(caller.projectId(), id).isPresent());
                            return service.records().list(caller.projectId(), p.after(), p.limit());
                        })
                        .compose(page -> WireJson.ok(WireJson.list(page.items(), page.hasMore(),
                                BatchesApi::write, BatchRecord::id)));
            }
            case BATCHES_GET -> {
                String id = id(ex);
                yield ex.blocking(() -> service.records().find(caller.projectId(), id)
                                .orElseThrow(() -> BatchService.notFound(id)))
                        .compose(b -> WireJson.ok(write(b)));
            }
            case BATCHES_CANCEL -> {
                String id = id(ex);
                yield ex.blocking(() -> service.cancel(caller, id)).compose(b -> WireJson.ok(write(b)));
            }
            default -> throw new IllegalStateException("not a batches route: " + ex.endpoint());
        };
    }

    /** Checks the create body: the three required fields, the endpoint, the 24h window, up to 16 metadata pairs. */
    static BatchService.CreateRequest parse(Exchange ex) {
        JsonNode root;
        try {
            root = ex.body() == null || ex.body().length() == 0 ? null : WireJson.JSON.readTree(ex.body().getBytes());
        } catch (IOException e) {
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!KNOWN.contains(name)) throw ApiException.at(ErrorKind.UNKNOWN_PARAMETER, name);
        }
        String file = requiredString(root, "input_file_id");
        String endpoint = requiredString(root, "endpoint");
        if (!ENDPOINTS.contains(endpoint)) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "endpoint", "why", "'" + endpoint
                    + "' is not supported; use /v1/chat/completions, /v1/responses or /v1/embeddings");
        }
        String window = requiredString(root, "completion_window");
        if (!"24h".equals(window)) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "completion_window", "why",
                    "'" + window + "' is not supported; the only completion window is '24h'");
        }
        return new BatchService.CreateRequest(file, endpoint, window, metadata(root.get("metadata")));
    }

    private static String requiredString(JsonNode root, String name) {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) throw ApiException.at(ErrorKind.MISSING_PARAMETER, name);
        if (!v.isTextual()) {
            throw ApiException.at(ErrorKind.INVALID_TYPE, name, "expected", "a string", "actual", kind(v));
        }
        if (v.asText().isBlank()) throw ApiException.at(ErrorKind.INVALID_VALUE, name, "why", "it must not be empty");
        return v.asText();
    }

    private static Map<String, String> metadata(JsonNode m) {
        if (m == null || m.isNull()) return null;
        if (!m.isObject()) {
            throw ApiException.at(ErrorKind.INVALID_TYPE, "metadata", "expected", "an object", "actual", kind(m));
        }
        if (m.size() > MAX_METADATA) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "metadata", "why",
                    "at most " + MAX_METADATA + " key-value pairs are allowed, got " + m.size());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String param = "metadata." + e.getKey();
            if (e.getKey().length() > 64) {
                throw ApiException.at(ErrorKind.INVALID_VALUE, "metadata", "why", "keys are at most 64 characters");
            }
            if (!e.getValue().isTextual()) {
                throw ApiException.at(ErrorKind.INVALID_TYPE, param, "expected", "a string", "actual",
                        kind(e.getValue()));
            }
            if (e.getValue().asText().length() > 512) {
                throw ApiException.at(ErrorKind.INVALID_VALUE, param, "why", "values are at most 512 characters");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static String kind(JsonNode v) {
        if (v.isTextual()) return "a string";
        if (v.isNumber()) return "a number";
        if (v.isBoolean()) return "a boolean";
        if (v.isArray()) return "an array";
        if (v.isObject()) return "an object";
        return "null";
    }

    /** The batch object, as OpenAI writes it. */
    static ObjectNode write(BatchRecord b) {
        ObjectNode o = WireJson.JSON.createObjectNode();
        o.put("id", b.id());
        o.put("object", "batch");
        o.put("endpoint", b.endpoint());
        if (b.errors() == null || b.errors().isEmpty()) {
            o.putNull("errors");
        } else {
            ObjectNode errors = o.putObject("errors");
            errors.put("object", "list");
            ArrayNode data = errors.putArray("data");
            for (BatchRecord.LineError e : b.errors()) {
                ObjectNode d = data.addObject();
                d.put("code", e.code());
                d.put("message", e.message());
                if (e.param() == null) d.putNull("param"); else d.put("param", e.param());
                if (e.line() == null) d.putNull("line"); else d.put("line", e.line());
            }
        }
        o.put("input_file_id", b.inputFileId());
        o.put("completion_window", b.completionWindow());
        o.put("status", b.status().wire());
        putNullable(o, "output_file_id", b.outputFileId());
        putNullable(o, "error_file_id", b.errorFileId());
        BatchRecord.Times t = b.times();
        WireJson.putSeconds(o, "created_at", t.createdAt());
        WireJson.putSeconds(o, "in_progress_at", t.inProgressAt());
        WireJson.putSeconds(o, "expires_at", t.expiresAt());
        WireJson.putSeconds(o, "finalizing_at", t.finalizingAt());
        WireJson.putSeconds(o, "completed_at", t.completedAt());
        WireJson.putSeconds(o, "failed_at", t.failedAt());
        WireJson.putSeconds(o, "expired_at", t.expiredAt());
        WireJson.putSeconds(o, "cancelling_at", t.cancellingAt());
        WireJson.putSeconds(o, "cancelled_at", t.cancelledAt());
        ObjectNode counts = o.putObject("request_counts");
        counts.put("total", b.counts().total());
        counts.put("completed", b.counts().completed());
        counts.put("failed", b.counts().failed());
        if (b.metadata() == null) {
            o.putNull("metadata");
        } else {
            ObjectNode m = o.putObject("metadata");
            b.metadata().forEach(m::put);
        }
        return o;
    }

    private static void putNullable(ObjectNode o, String field, String v) {
        if (v == null) o.putNull(field); else o.put(field, v);
    }

    /** The {@code {id}} segment of {@code /v1/batches/{id}[/cancel]}. */
    private static String id(Exchange ex) {
        return ex.pathSegmentAfter("/v1/batches/");
    }
}
