package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/** The common fields of {@code POST /v1/responses}; {@code input} is a string or a list of input items. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResponseRequest(
        String model,
        Object input,
        String instructions,
        @JsonProperty("max_output_tokens") Integer maxOutputTokens,
        Double temperature,
        Boolean stream,
        Boolean store,
        @JsonProperty("previous_response_id") String previousResponseId,
        Map<String, String> metadata) {

    public static ResponseRequest of(String model, Object input) {
        return new ResponseRequest(model, input, null, null, null, null, null, null, null);
    }
}
