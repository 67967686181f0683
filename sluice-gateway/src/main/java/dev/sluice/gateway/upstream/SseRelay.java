package dev.sluice.gateway.upstream;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The stream translator of OpenAI-compatible upstreams: their events are already what the caller expects, so they
 * pass through; an error event ({@code event: error}, {@code response.failed}, or a bare {@code {"error": …}} data
 * event) is an {@link StreamTranslator.Error} instead.
 */
public final class SseRelay implements StreamTranslator {
    private static final ObjectMapper JSON = Json.MAPPER;
    private final SseBytes decoder = new SseBytes();

    @Override
    public List<Item> feed(Buffer bytes) {
        return items(decoder.feed(bytes));
    }

    @Override
    public List<Item> end() {
        return items(decoder.finish());
    }

    private static List<Item> items(List<SseEvent> events) {
        List<Item> out = new ArrayList<>(events.size());
        for (SseEvent ev : events) {
            if (isError(ev)) {
                out.add(new Error(Failure.garbage()));
                return out;
            }
            out.add(new Event(ev));
        }
        return out;
    }

    /** True for an event that reports an error rather than carrying output. */
    static boolean isError(SseEvent ev) {
        if ("error".equals(ev.event()) || "response.failed".equals(ev.event())) return true;
        String data = ev.data();
        if (data == null || !data.contains("\"error\"") || ev.isDone()) return false;
        try {
            JsonNode n = JSON.readTree(data);
            return n.isObject() && n.hasNonNull("error") && !n.has("choices") && !n.has("type");
        } catch (Exception e) {
            return false;
        }
    }
}
