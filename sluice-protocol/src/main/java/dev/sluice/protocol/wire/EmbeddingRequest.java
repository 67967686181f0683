package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** {@code POST /v1/embeddings}; {@code input} is a string, a list of strings or token arrays. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmbeddingRequest(
        String model,
        Object input,
        Integer dimensions,
        @JsonProperty("encoding_format") String encodingFormat,
        String user) {

    public static EmbeddingRequest of(String model, List<String> input) {
        return new EmbeddingRequest(model, List.copyOf(input), null, null, null);
    }
}
