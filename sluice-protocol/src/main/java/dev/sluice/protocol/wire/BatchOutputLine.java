package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of a batch output or error file: {@code {id, custom_id, response:{status_code, request_id, body},
 * error}}. Lines of the error file carry either a non-2xx {@code response} or an {@code error} such as
 * {@code batch_expired}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record BatchOutputLine(
        String id,
        @JsonProperty("custom_id") String customId,
        Response response,
        Error error) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Response(
            @JsonProperty("status_code") int statusCode,
            @JsonProperty("request_id") String requestId,
            JsonNode body) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Error(String code, String message) {}
}
