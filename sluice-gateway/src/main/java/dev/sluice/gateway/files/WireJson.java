package dev.sluice.gateway.files;

import dev.sluice.gateway.validation.ListQuery;
import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.store.FileRecord;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The Files and Batch APIs' objects as OpenAI writes them: every documented key present ({@code null} where
 * unused), times in unix seconds, lists as {@code {object:"list", data, first_id, last_id, has_more}}.
 */
public final class WireJson {
    public static final ObjectMapper JSON = Json.MAPPER;

    private WireJson() {}

    public static ObjectNode file(FileRecord f) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", f.id());
        o.put("object", "file");
        o.put("bytes", f.bytes());
        o.put("created_at", seconds(f.createdAt()));
        o.put("filename", f.filename());
        o.put("purpose", f.purpose());
        o.put("status", f.status());
        o.putNull("status_details");
        o.putNull("expires_at");
        return o;
    }

    public static ObjectNode deleted(String id, String object) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("deleted", true);
        return o;
    }

    public static <T> ObjectNode list(List<T> items, boolean hasMore, Function<T, ObjectNode> write,
                                      Function<T, String> id) {
        return ListQuery.listObject(items, hasMore, write, id);
    }

    public static void putSeconds(ObjectNode o, String field, Instant t) {
        if (t == null) o.putNull(field);
        else o.put(field, seconds(t));
    }

    public static long seconds(Instant t) {
        return t.getEpochSecond();
    }

    /** Answers 200 with the object as JSON. */
    public static Future<Answer> ok(ObjectNode body) {
        return Future.succeededFuture(Answer.json(200, body.toString()));
    }
}
