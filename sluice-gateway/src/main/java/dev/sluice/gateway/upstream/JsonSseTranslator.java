package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.json.Json;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link StreamTranslator} for providers whose stream is SSE with one JSON object per event (Anthropic's Messages
 * stream, Gemini's {@code alt=sse}): it splits the bytes into events, parses each event's data, ends the batch with
 * a garbage failure when the data is not JSON, and hands every parsed event to {@link #onEvent}.
 */
public abstract class JsonSseTranslator implements StreamTranslator {
    private final SseBytes sse = new SseBytes();

    @Override
    public final List<Item> feed(Buffer bytes) {
        return translate(sse.feed(bytes));
    }

    @Override
    public final List<Item> end() {
        return translate(sse.finish());
    }

    /** True for an event with nothing to translate: by default one without data. */
    protected boolean skip(SseEvent ev) {
        return ev.data() == null || ev.data().isEmpty();
    }

    /**
     * Translates one event ({@code data} is its parsed JSON) into {@code out}; false when the provider reported an
     * error or the event was unusable, which ends this batch of events.
     */
    protected abstract boolean onEvent(SseEvent ev, JsonNode data, List<Item> out);

    private List<Item> translate(List<SseEvent> events) {
        List<Item> out = new ArrayList<>();
        for (SseEvent ev : events) {
            if (skip(ev)) continue;
            JsonNode n;
            try {
                n = Json.MAPPER.readTree(ev.data());
            } catch (Exception e) {
                out.add(new Error(Failure.garbage()));
                return out;
            }
            if (!onEvent(ev, n, out)) return out;
        }
        return out;
    }
}
