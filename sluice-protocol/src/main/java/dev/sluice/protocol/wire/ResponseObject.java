package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * A Responses API object ({@code object: "response"}); {@code status} is completed, failed, in_progress, cancelled,
 * queued or incomplete. A failed response carries {@code error: {code, message}}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResponseObject(
        String id,
        String object,
        @JsonProperty("created_at") long createdAt,
        String status,
        String model,
        List<OutputItem> output,
        Usage usage,
        Error error,
        @JsonProperty("incomplete_details") JsonNode incompleteDetails,
        Map<String, String> metadata) {

    /** The concatenated {@code output_text} parts of all message items (what the SDKs call {@code output_text}). */
    public String outputText() {
        if (output == null) return "";
        StringBuilder sb = new StringBuilder();
        for (OutputItem item : output) {
            if (item.content() == null) continue;
            for (ContentPart p : item.content()) {
                if ("output_text".equals(p.type()) && p.text() != null) sb.append(p.text());
            }
        }
        return sb.toString();
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputItem(String type, String id, String status, String role, List<ContentPart> content) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ContentPart(String type, String text) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Usage(
            @JsonProperty("input_tokens") int inputTokens,
            @JsonProperty("output_tokens") int outputTokens,
            @JsonProperty("total_tokens") int totalTokens) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(String code, String message) {}
}
