package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.json.Json;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.protocol.SseEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming check of a stream event ({@link StreamEventCheck#of}) gives, for every endpoint, the verdict that
 * reading the event's whole JSON tree gave (the implementation before it, kept below as the reference).
 */
class StreamEventCheckTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi \\\"x\\\"\"},"
                    + "\"finish_reason\":null}]}",
            "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}",
            "{\"choices\":{}}",
            "{\"choices\":null}",
            "{\"choices\":[1],\"choices\":7}",
            "{\"choices\":7,\"choices\":[1]}",
            "{\"type\":\"response.output_text.delta\",\"delta\":\"x\"}",
            "{\"type\":\"error\",\"message\":\"boom\"}",
            "{\"type\":\"response.failed\",\"response\":{}}",
            "{\"type\":7}",
            "{\"type\":null,\"choices\":[]}",
            "{\"type\":\"error\",\"type\":\"response.created\"}",
            "{\"error\":{\"message\":\"overloaded\",\"code\":\"x\"}}",
            "{\"error\":null,\"choices\":[]}",
            "{\"error\":\"boom\",\"choices\":[]}",
            "{\"error\":\"boom\",\"type\":\"x\"}",
            "{\"error\":{\"m\":1},\"error\":null}",
            "{\"error\":false}",
            "{}",
            "{\"keep\":\"alive\"}",
            "{\"choices\":[]} trailing",
            "{\"choices\":[{\"delta\":{\"content\":\"cut",
            "{\"choices\":[}",
            "{\"a\":1,}",
            "{\"a\":\"bad \\x escape\",\"choices\":[]}",
            "[{\"choices\":[]}]",
            "\"choices\"",
            "null",
            "42",
            "<html>",
            "{'choices':[]}",
            "{\"a\" 1}",
    })
    void givesTheVerdictOfTheWholeTree(String data) {
        for (Endpoint endpoint : new Endpoint[]{Endpoint.CHAT_COMPLETIONS, Endpoint.RESPONSES}) {
            for (String name : new String[]{null, "message", "error"}) {
                SseEvent ev = new SseEvent(name, data, null);
                assertThat(StreamEventCheck.of(endpoint, ev)).as("%s, event %s: %s", endpoint, name, data)
                        .isEqualTo(byTree(endpoint, ev));
            }
        }
    }

    /** The check as it was: a Jackson tree of every event. */
    private static StreamEventCheck byTree(Endpoint endpoint, SseEvent ev) {
        if ("error".equals(ev.event()) || "response.failed".equals(ev.event())) return StreamEventCheck.UPSTREAM_ERROR;
        String data = ev.data();
        if (data == null || data.isBlank()) return StreamEventCheck.SKIP;
        if (ev.isDone()) return endpoint == Endpoint.CHAT_COMPLETIONS ? StreamEventCheck.RELAY : StreamEventCheck.SKIP;
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(data);
        } catch (Exception e) {
            return StreamEventCheck.INVALID;
        }
        if (n == null || !n.isObject()) return StreamEventCheck.INVALID;
        if (n.hasNonNull("error") && !n.has("choices") && !n.has("type")) return StreamEventCheck.UPSTREAM_ERROR;
        String type = n.path("type").asText("");
        if (type.equals("error") || type.equals("response.failed")) return StreamEventCheck.UPSTREAM_ERROR;
        if (endpoint == Endpoint.RESPONSES) return n.path("type").isTextual() ? StreamEventCheck.RELAY : StreamEventCheck.SKIP;
        JsonNode choices = n.get("choices");
        return choices != null && choices.isArray() ? StreamEventCheck.RELAY : StreamEventCheck.SKIP;
    }
}
