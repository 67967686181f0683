package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A model of {@code GET /v1/models}; Sluice adds {@code context_window} and {@code max_output_tokens}. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Model(
        String id,
        String object,
        long created,
        @JsonProperty("owned_by") String ownedBy,
        @JsonProperty("context_window") Integer contextWindow,
        @JsonProperty("max_output_tokens") Integer maxOutputTokens) {}
