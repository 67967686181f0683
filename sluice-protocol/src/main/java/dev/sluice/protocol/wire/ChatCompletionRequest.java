package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** The common fields of {@code POST /v1/chat/completions}; send a Map or JsonNode for anything beyond them. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        Double temperature,
        Integer n,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        Map<String, String> metadata,
        String user) {

    public static ChatCompletionRequest of(String model, List<ChatMessage> messages) {
        return new ChatCompletionRequest(model, List.copyOf(messages), null, null, null, null, null, null, null, null);
    }

    public ChatCompletionRequest withMaxTokens(int max) {
        return new ChatCompletionRequest(model, messages, max, maxCompletionTokens, temperature, n, stream,
                streamOptions, metadata, user);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {}
}
