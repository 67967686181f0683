package dev.sluice.gateway.upstream;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.protocol.SseEvent;

/**
 * What one upstream stream event is for the caller of an endpoint, decided before a byte of it is relayed: a valid
 * event of that endpoint (chat: a JSON object with a {@code choices} array, or {@code [DONE]}; Responses: a JSON object
 * with a {@code type}), the upstream's own error, a harmless event that is not the endpoint's (no data, blank data, a
 * JSON object without {@code choices} / {@code type}, such as a keep-alive) which is dropped, or junk (not a JSON
 * object) which breaks the stream and never reaches the caller.
 */
enum StreamEventCheck {
    RELAY, UPSTREAM_ERROR, SKIP, INVALID;

    private static final ObjectMapper JSON = Json.MAPPER;

    static StreamEventCheck of(Endpoint endpoint, SseEvent ev) {
        if ("error".equals(ev.event()) || "response.failed".equals(ev.event())) return UPSTREAM_ERROR;
        String data = ev.data();
        if (data == null || data.isBlank()) return SKIP;
        if (ev.isDone()) return endpoint == Endpoint.CHAT_COMPLETIONS ? RELAY : SKIP;
        JsonNode n;
        try {
            n = JSON.readTree(data);
        } catch (Exception e) {
            return INVALID;
        }
        if (n == null || !n.isObject()) return INVALID;
        if (n.hasNonNull("error") && !n.has("choices") && !n.has("type")) return UPSTREAM_ERROR;
        String type = n.path("type").asText("");
        if (type.equals("error") || type.equals("response.failed")) return UPSTREAM_ERROR;
        if (endpoint == Endpoint.RESPONSES) return n.path("type").isTextual() ? RELAY : SKIP;
        JsonNode choices = n.get("choices");
        return choices != null && choices.isArray() ? RELAY : SKIP;
    }
}
