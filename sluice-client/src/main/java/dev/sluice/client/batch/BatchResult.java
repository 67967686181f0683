package dev.sluice.client.batch;

import com.fasterxml.jackson.databind.JsonNode;

/** The result of one input, matched by custom_id: it succeeded, failed (with a code), or is in neither file. */
public sealed interface BatchResult {
    String customId();

    /** A 2xx answer; {@code body} is the endpoint's response object (e.g. a chat completion). */
    record Succeeded(String customId, int statusCode, String requestId, JsonNode body) implements BatchResult {}

    /**
     * An error answer ({@code statusCode} and {@code body} set, code from the body's error) or a line error without
     * an answer ({@code statusCode} null): {@code batch_expired}, {@code batch_cancelled}, or a validation error of
     * its input line.
     */
    record Failed(String customId, Integer statusCode, String code, String message, String requestId, JsonNode body)
            implements BatchResult {}

    /** In neither the output nor the error file (e.g. the batch failed validation or was cancelled before it ran). */
    record Missing(String customId) implements BatchResult {}
}
