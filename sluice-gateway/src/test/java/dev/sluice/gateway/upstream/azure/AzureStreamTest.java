package dev.sluice.gateway.upstream.azure;

import dev.sluice.gateway.upstream.StreamTranslator;
import dev.sluice.protocol.SseEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AzureStreamTest {
    @Test
    void aChunkCarryingOnlyPromptFilterResultsIsDroppedAndContentFilterFinishesPassThrough() {
        StreamTranslator.Item filterOnly = new StreamTranslator.Event(SseEvent.data("{\"choices\":[],"
                + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}"));
        StreamTranslator.Item content = new StreamTranslator.Event(SseEvent.data("{\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"content_filter\"}],\"prompt_filter_results\":[]}"));
        StreamTranslator.Item done = new StreamTranslator.Event(SseEvent.data("[DONE]"));
        assertThat(AzureAdapter.withoutFilterOnlyChunks(List.of(filterOnly, content, done)))
                .containsExactly(content, done);
    }
}
