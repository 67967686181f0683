package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** The answer of {@code POST /v1/embeddings} with float vectors ({@code encoding_format: "float"}, the default). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmbeddingResponse(String object, List<Embedding> data, String model, Usage usage) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Embedding(String object, int index, float[] embedding) {}
}
