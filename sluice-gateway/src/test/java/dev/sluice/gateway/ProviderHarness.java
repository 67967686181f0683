package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.protocol.SseDecoder;
import dev.sluice.protocol.SseEvent;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Small helpers shared by the provider tests: fresh prompts, SSE bodies, JSON. */
final class ProviderHarness {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger N = new AtomicInteger();

    private ProviderHarness() {}

    /** A chat body with a prompt no other request of the run uses. */
    static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hello number " + N.incrementAndGet() + "\"}]"
                + (extra == null ? "" : "," + extra) + "}";
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s);
        }
    }

    static List<SseEvent> events(HttpResponse<String> r) {
        SseDecoder d = new SseDecoder();
        List<SseEvent> out = new java.util.ArrayList<>(d.feed(r.body()));
        out.addAll(d.finish());
        return out;
    }

    /** The concatenated content deltas of a chat stream. */
    static String streamedText(List<SseEvent> events) {
        StringBuilder sb = new StringBuilder();
        for (SseEvent e : events) {
            if (e.isDone() || e.data() == null) continue;
            JsonNode n = json(e.data());
            JsonNode c = n.path("choices").path(0).path("delta").path("content");
            if (c.isTextual()) sb.append(c.asText());
        }
        return sb.toString();
    }
}
