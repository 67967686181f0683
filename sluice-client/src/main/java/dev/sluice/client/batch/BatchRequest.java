package dev.sluice.client.batch;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Objects;

/**
 * One request of a batch: a caller-chosen {@code customId} (unique within the batch; results are matched by it), the
 * HTTP method, the endpoint URL ({@code /v1/chat/completions}, {@code /v1/embeddings}, {@code /v1/responses}) and the
 * body (any JSON object: a wire record, a Map, a JsonNode).
 */
@JsonPropertyOrder({"custom_id", "method", "url", "body"})
public record BatchRequest(@JsonProperty("custom_id") String customId, String method, String url, Object body) {

    public BatchRequest {
        Objects.requireNonNull(customId, "customId");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(body, "body");
    }

    /** A POST to {@code url}, the only method the Batch API runs. */
    public static BatchRequest post(String customId, String url, Object body) {
        return new BatchRequest(customId, "POST", url, body);
    }
}
