package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** One {@code data:} event of a streamed chat completion ({@code object: "chat.completion.chunk"}). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionChunk(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        Usage usage) {

    /** The content delta of the choice with index 0, or "" (role-only, usage-only and finish chunks carry none). */
    public String text() {
        if (choices == null) return "";
        for (Choice c : choices) {
            if (c.index() == 0 && c.delta() != null && c.delta().content() != null) return c.delta().content();
        }
        return "";
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Choice(int index, Delta delta, @JsonProperty("finish_reason") String finishReason) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content, String refusal, @JsonProperty("tool_calls") JsonNode toolCalls) {}
}
