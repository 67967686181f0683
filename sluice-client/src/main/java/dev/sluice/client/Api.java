package dev.sluice.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.client.internal.Json;
import dev.sluice.client.internal.StreamInterpreter;
import dev.sluice.client.internal.Transport;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** What the resources share: JSON in, records out, on top of the {@link Transport}. */
final class Api {
    private final Transport transport;

    Api(Transport transport) {
        this.transport = transport;
    }

    Transport transport() {
        return transport;
    }

    <T> T json(String method, String path, Object body, JavaType type, RequestOptions options) {
        ObjectNode node = body == null ? null : Json.body(body);
        Transport.Answer a = transport.execute(new Transport.Call(method, path,
                node == null ? null : Json.bytes(node), node == null ? null : "application/json",
                "application/json", false, model(node), options));
        return decode(a, type);
    }

    <T> T send(Transport.Call call, JavaType type) {
        return decode(transport.execute(call), type);
    }

    byte[] bytes(String path, RequestOptions options) {
        return transport.execute(new Transport.Call("GET", path, null, null, "*/*", false, null, options)).body();
    }

    <T> EventStream<T> stream(String path, Object body, RequestOptions options,
                              Function<String, StreamInterpreter<T>> interpreter) {
        ObjectNode node = Json.body(body);
        node.put("stream", true);
        Transport.Answer a = transport.execute(new Transport.Call("POST", path, Json.bytes(node), "application/json",
                "text/event-stream", true, model(node), options));
        return new EventStream<>(a.stream(), a.headers(), interpreter.apply(a.requestId()));
    }

    <T> CompletableFuture<T> async(Supplier<T> call) {
        return transport.async(call);
    }

    private static String model(ObjectNode node) {
        JsonNode m = node == null ? null : node.get("model");
        return m != null && m.isTextual() ? m.asText() : null;
    }

    /** A 2xx body that is not what the endpoint promises is reported with its status, request id and raw body. */
    private static <T> T decode(Transport.Answer a, JavaType type) {
        try {
            return Json.MAPPER.readValue(a.body(), type);
        } catch (Exception e) {
            String raw = new String(a.body(), StandardCharsets.UTF_8);
            throw new ApiStatusException(a.status(), null, a.headers(), raw,
                    a.status() + ": the response body is not a valid " + type.getRawClass().getSimpleName()
                            + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
