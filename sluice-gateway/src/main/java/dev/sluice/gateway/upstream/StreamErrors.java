package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.SseEvent;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The in-band error events sent once a stream has started (errors.md, "Streaming"): chat's
 * {@code event: error} + {@code data: {"error":{...}}}, and the Responses API's {@code event: error} carrying both the flat fields and the
 * nested object, followed by {@code event: response.failed}.
 */
final class StreamErrors {
    private static final JsonFactory JSON = new JsonFactory();

    private StreamErrors() {}

    /**
     * {@code event: error} then {@code data: {"error":{...}}}: the event line makes clients that read event names
     * (LangChain4j) report the error instead of ending "successfully"; the official SDKs raise on the data either way.
     */
    public static String chat(ApiError e) {
        return SseEvent.named("error", e.toJson()).encode();
    }

    public static String responses(ApiError e, int sequenceNumber, String responseId, String model) {
        String error = json(g -> {
            g.writeStartObject();
            g.writeStringField("type", "error");
            nullable(g, "code", e.code());
            g.writeStringField("message", e.message());
            nullable(g, "param", e.param());
            g.writeNumberField("sequence_number", sequenceNumber);
            g.writeObjectFieldStart("error");
            g.writeStringField("type", e.type());
            nullable(g, "code", e.code());
            g.writeStringField("message", e.message());
            nullable(g, "param", e.param());
            g.writeEndObject();
            g.writeEndObject();
        });
        String failed = json(g -> {
            g.writeStartObject();
            g.writeStringField("type", "response.failed");
            g.writeNumberField("sequence_number", sequenceNumber + 1);
            g.writeObjectFieldStart("response");
            g.writeStringField("id", responseId);
            g.writeStringField("object", "response");
            g.writeStringField("status", "failed");
            nullable(g, "model", model);
            g.writeObjectFieldStart("error");
            nullable(g, "code", e.code());
            g.writeStringField("message", e.message());
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
        });
        return SseEvent.named("error", error).encode() + SseEvent.named("response.failed", failed).encode();
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(Writer w) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void nullable(JsonGenerator g, String name, String v) throws IOException {
        if (v == null) g.writeNullField(name); else g.writeStringField(name, v);
    }
}
