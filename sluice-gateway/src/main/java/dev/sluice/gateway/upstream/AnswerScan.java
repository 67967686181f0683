package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.json.Json;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.util.Set;

/**
 * Reads a whole JSON answer without building its tree: one pass of the streaming parser over the body, which keeps
 * only the top-level fields a caller asks for (an OpenAI-compatible answer's {@code usage}, {@code error},
 * {@code detail}) as small trees and skips the rest (the choices, the message text) token by token. The answer is
 * passed on to the caller as the upstream's bytes, so nothing else of it is needed.
 *
 * <p>Gives the same verdict as {@code ObjectMapper.readTree}: null for a body that is not JSON, is cut short, or is not
 * one JSON object (what follows the root object is ignored, as {@code readTree} ignores it); a key given twice keeps
 * its last value. The skeleton it returns has every top-level field of the answer, so {@code has(name)} is true for
 * each; the fields not kept hold {@link #SKIPPED} (a value that is not JSON null), so only the kept ones may be read.
 */
final class AnswerScan {
    private static final ObjectMapper JSON = Json.MAPPER;
    /** What a top-level field not kept holds in the skeleton: present, not null, not read. */
    static final JsonNode SKIPPED = JSON.getNodeFactory().textNode("(skipped)");
    /** The top-level fields an OpenAI-compatible answer is read for: its usage, and whether it carries an error. */
    static final Set<String> OPENAI_FIELDS = Set.of("usage", "error", "detail");

    private AnswerScan() {
    }

    /** The skeleton of {@code body} with the fields named in {@code keep} whole, or null when it is not a JSON object. */
    static ObjectNode skeleton(byte[] body, Set<String> keep) {
        ObjectNode root = JSON.createObjectNode();
        return fields(body, keeper(root, keep)) ? root : null;
    }

    /**
     * {@link #skeleton(byte[], Set)} of a buffer, read in place when it is on the heap (an HTTP client's answer
     * body), so its bytes are not copied out first.
     */
    static ObjectNode skeleton(Buffer body, Set<String> keep) {
        ObjectNode root = JSON.createObjectNode();
        return fields(body, keeper(root, keep)) ? root : null;
    }

    /** Puts each top-level field into {@code root}: whole when named in {@code keep}, else {@link #SKIPPED}. */
    private static FieldVisitor keeper(ObjectNode root, Set<String> keep) {
        return (name, value, p) -> {
            if (keep.contains(name)) {
                JsonNode v = p.readValueAsTree();
                root.set(name, v == null ? JSON.getNodeFactory().nullNode() : v);
            } else {
                root.set(name, SKIPPED);
            }
        };
    }

    /** Sees one top-level field: its name, its value's first token, and the parser on that token. */
    interface FieldVisitor {
        /** May read the value ({@code p.readValueAsTree()}, {@code p.getText()}); whatever it leaves is skipped. */
        void field(String name, JsonToken value, JsonParser p) throws IOException;
    }

    /**
     * Shows {@code visitor} each top-level field of the JSON object {@code json} starts with, in order, skipping every
     * value token by token (still checked to be well-formed). False when {@code json} is not JSON, is cut short or does
     * not start with an object — the verdict of {@code readTree}, which also ignores what follows the root value.
     */
    static boolean fields(byte[] json, FieldVisitor visitor) {
        try {
            return walk(JSON.getFactory().createParser(json), visitor);
        } catch (IOException e) {
            return false;
        }
    }

    /** {@link #fields(byte[], FieldVisitor)} of a buffer, read in place when it is on the heap. */
    static boolean fields(Buffer json, FieldVisitor visitor) {
        if (json instanceof BufferInternal internal) {
            ByteBuf bytes = internal.getByteBuf();
            if (bytes.hasArray()) {
                try {
                    return walk(JSON.getFactory().createParser(bytes.array(),
                            bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes()), visitor);
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return fields(json.getBytes(), visitor);
    }

    /** {@link #fields(byte[], FieldVisitor)} of a string. */
    static boolean fields(String json, FieldVisitor visitor) {
        try {
            return walk(JSON.getFactory().createParser(json), visitor);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean walk(JsonParser parser, FieldVisitor visitor) {
        try (JsonParser p = parser) {
            if (p.nextToken() != JsonToken.START_OBJECT) return false;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                visitor.field(name, p.nextToken(), p);
                p.skipChildren(); // a no-op when the visitor read the value whole
            }
            return t == JsonToken.END_OBJECT;
        } catch (Exception malformed) { // not JSON, cut short, or a value Jackson refuses
            return false;
        }
    }
}
