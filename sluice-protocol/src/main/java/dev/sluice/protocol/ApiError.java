package dev.sluice.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The OpenAI error object: {@code {"error":{"message","type","param","code"}}}. All four keys are always written,
 * {@code null} where unused, because the official SDKs read them by name.
 */
public record ApiError(String message, String type, String param, String code) {

    private static final JsonFactory JSON = new JsonFactory();

    public ApiError {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(type, "type");
    }

    /**
     * The same error whose message ends as OpenAI's server errors do, {@code "… (Please include the request ID req_…
     * in your message.)"}, so a client that keeps only the body still carries the id; unchanged when the message
     * already names it.
     */
    public ApiError withRequestId(String requestId) {
        if (requestId == null || message.contains(requestId)) return this;
        return new ApiError(message + RequestIds.messageSuffix(requestId), type, param, code);
    }

    /** The full response body, {@code {"error":{...}}}. */
    public String toJson() {
        return write(true);
    }

    /** The inner object alone, {@code {"message":...}}, as used inside stream events. */
    public String toInnerJson() {
        return write(false);
    }

    /** Writes the four fields into an open object of {@code g} (used by SSE and batch encoders). */
    public void writeFields(JsonGenerator g) throws IOException {
        g.writeStringField("message", message);
        g.writeStringField("type", type);
        if (param == null) g.writeNullField("param"); else g.writeStringField("param", param);
        if (code == null) g.writeNullField("code"); else g.writeStringField("code", code);
    }

    private String write(boolean wrapped) {
        StringWriter out = new StringWriter(128 + message.length());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (wrapped) g.writeObjectFieldStart("error");
            writeFields(g);
            if (wrapped) g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
