package dev.sluice.client.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one ObjectMapper of the SDK: lenient on input (unknown fields ignored), no null fields on output. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL));

    private Json() {}

    /** A request body (record, Map, JsonNode or JSON text) as an object node; rejects non-objects early. */
    public static ObjectNode body(Object body) {
        JsonNode n;
        try {
            n = body instanceof String s ? MAPPER.readTree(s) : MAPPER.valueToTree(body);
        } catch (Exception e) {
            throw new IllegalArgumentException("request body is not valid JSON: " + e.getMessage(), e);
        }
        if (n instanceof ObjectNode o) return o.deepCopy();
        throw new IllegalArgumentException("request body must be a JSON object, got " + (n == null ? "null" : n.getNodeType()));
    }

    public static JavaType type(Class<?> raw, Class<?>... params) {
        return params.length == 0 ? MAPPER.constructType(raw)
                : MAPPER.getTypeFactory().constructParametricType(raw, params);
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
