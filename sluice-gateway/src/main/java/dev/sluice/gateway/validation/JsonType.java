package dev.sluice.gateway.validation;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON value kinds, named the way OpenAI's "Invalid type" messages name them. */
public enum JsonType {
    STRING("a string"), INTEGER("an integer"), NUMBER("a decimal"), BOOLEAN("a boolean"), ARRAY("an array"),
    OBJECT("an object"), NULL("null");

    private final String phrase;

    JsonType(String phrase) { this.phrase = phrase; }

    public String phrase() { return phrase; }

    /**
     * The kind of {@code n} ({@link #NULL} for null, missing and absent). One {@code getNodeType()} call: the
     * {@code isX()} tests each make that same virtual call, and validation asks this of every value of every body.
     */
    public static JsonType of(JsonNode n) {
        if (n == null) return NULL;
        return switch (n.getNodeType()) {
            case NULL, MISSING -> NULL;
            case STRING -> STRING;
            case NUMBER -> n.isIntegralNumber() ? INTEGER : NUMBER;
            case BOOLEAN -> BOOLEAN;
            case ARRAY -> ARRAY;
            case OBJECT, POJO, BINARY -> OBJECT;
        };
    }

    /** An integer is an acceptable decimal, as in JSON Schema. */
    public boolean accepts(JsonType actual) {
        return this == actual || (this == NUMBER && actual == INTEGER);
    }
}
