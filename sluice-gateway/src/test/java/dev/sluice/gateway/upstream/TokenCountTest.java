package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a request's tokens are counted from what the upstream answered or streamed. */
class TokenCountTest {
    final Exchange ex = Exchanges.chat("{\"model\":\"m\",\"messages\":[]}", true);
    final TokenCount count = new TokenCount(ex);

    static SseEvent delta(String content) {
        return SseEvent.data("{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + content + "\"}}]}");
    }

    /** A translated answer with this JSON (its usage read from the tree). */
    static ProviderAdapter.Answer.Ok answer(String json) throws Exception {
        return new ProviderAdapter.Answer.Ok(Buffer.buffer(json), new ObjectMapper().readTree(json));
    }

    @Test
    void aJsonAnswersUsageIsTakenInOpenAiOrAnthropicNames() throws Exception {
        count.answered(answer("{\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7}}"));
        assertThat(ex.promptTokens()).isEqualTo(11);
        assertThat(ex.completionTokens()).isEqualTo(7);
        count.answered(answer("{\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}"));
        assertThat(ex.promptTokens()).isEqualTo(3);
        assertThat(ex.completionTokens()).isEqualTo(4);
    }

    @Test
    void eachNonEmptyContentDeltaCountsOneTokenUntilAUsageChunkSaysOtherwise() {
        count.delivered(delta("Hello"));
        count.delivered(delta(""));
        count.delivered(delta(" world"));
        assertThat(ex.completionTokens()).isEqualTo(2);
        count.delivered(SseEvent.data("{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9}}"));
        assertThat(ex.completionTokens()).isEqualTo(9);
        count.delivered(delta("late"));
        count.delivered(SseEvent.data("[DONE]"));
        assertThat(ex.completionTokens()).as("the usage is final").isEqualTo(9);
    }

    @Test
    void responsesDeltasCountAndTheCompletedEventsUsageWins() {
        count.delivered(SseEvent.named("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"delta\":\"a\"}"));
        count.delivered(SseEvent.named("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"delta\":\"b\"}"));
        assertThat(ex.completionTokens()).isEqualTo(2);
        count.delivered(SseEvent.named("response.completed",
                "{\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":4,\"output_tokens\":6}}}"));
        assertThat(ex.completionTokens()).isEqualTo(6);
    }

    @Test
    void aTranslatedProvidersReportedUsageStopsTheDeltaCount() {
        count.delivered(delta("x"));
        count.reported(new StreamTranslator.Usage(12, -1));
        assertThat(ex.promptTokens()).isEqualTo(12);
        assertThat(ex.completionTokens()).as("no completion count reported yet").isEqualTo(1);
        count.reported(new StreamTranslator.Usage(-1, 30));
        count.delivered(delta("y"));
        assertThat(ex.completionTokens()).isEqualTo(30);
    }
}
