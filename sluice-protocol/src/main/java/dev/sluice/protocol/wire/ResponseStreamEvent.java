package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of a streamed Response: {@code response.created}, {@code response.output_text.delta} ({@code delta}),
 * {@code response.completed} / {@code response.failed} / {@code response.incomplete} ({@code response}), and
 * {@code error}, which carries the flat {@code code/message/param} fields and/or a nested {@code error} object.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResponseStreamEvent(
        String type,
        @JsonProperty("sequence_number") Integer sequenceNumber,
        String delta,
        String text,
        @JsonProperty("item_id") String itemId,
        @JsonProperty("output_index") Integer outputIndex,
        @JsonProperty("content_index") Integer contentIndex,
        ResponseObject response,
        String code,
        String message,
        String param,
        JsonNode error) {}
