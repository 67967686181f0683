package dev.sluice.gateway.validation;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON value kinds, named the way OpenAI's "Invalid type" messages name them. */
public enum JsonType {
    STRING("a string"), INTEGER("an integer"), NUMBER("a decimal"), BOOLEAN("a boolean"), ARRAY("an array"),
    OBJECT("an object"), NULL("null");

    private final String phrase;

    JsonType(String phrase) { this.phrase = phrase; }

    public String phrase() { return phrase; }

    public static JsonType of(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return NULL;
        if (n.isTextual()) return STRING;
        if (n.isIntegralNumber()) return INTEGER;
        if (n.isNumber()) return NUMBER;
        if (n.isBoolean()) return BOOLEAN;
        if (n.isArray()) return ARRAY;
        return OBJECT;
    }

    /** An integer is an acceptable decimal, as in JSON Schema. */
    public boolean accepts(JsonType actual) {
        return this == actual || (this == NUMBER && actual == INTEGER);
    }
}
