package dev.sluice.sim.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import io.vertx.core.http.HttpServerResponse;

import java.io.UncheckedIOException;
import java.util.Map;

/** Writes whole (non-stream) answers: JSON successes and errors in the three body shapes. */
public final class Replies {
    public static final ObjectMapper JSON = new ObjectMapper();
    static final String APPLICATION_JSON = "application/json";

    private Replies() {}

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    public static String write(Object node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void json(Exchange ex, int status, Object body) {
        send(ex, status, APPLICATION_JSON, body instanceof String s ? s : write(body));
    }

    public static void error(Exchange ex, SimError e) {
        error(ex, e.status(), e.error(), Directives.Shape.OPENAI, Map.of());
    }

    /** An error answer; {@code x-should-retry} comes from the catalogue row and goes only with the OpenAI shape. */
    static void error(Exchange ex, int status, ApiError error, Directives.Shape shape, Map<String, String> headers) {
        nativeError(status, error, shape, headers).send(ex);
    }

    /** The same answer as a value. */
    static NativeError nativeError(int status, ApiError error, Directives.Shape shape, Map<String, String> headers) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        return switch (shape) {
            case OPENAI -> {
                ErrorKind.match(status, error.type(), error.code())
                        .ifPresent(k -> h.put(Headers.SHOULD_RETRY, String.valueOf(k.shouldRetry())));
                yield new NativeError(status, APPLICATION_JSON, error.toJson(), h);
            }
            case DETAIL -> new NativeError(status, APPLICATION_JSON, write(object().put("detail", error.message())), h);
            case TEXT -> new NativeError(status, "text/plain; charset=utf-8", error.message(), h);
        };
    }

    /** HTTP 200 whose body is cut off in the middle of a JSON object. */
    static void malformed(Exchange ex) {
        send(ex, 200, APPLICATION_JSON, "{\"id\":\"sim-malformed\",\"object\":\"chat.completion\",\"choices\":[{\"");
    }

    public static void send(Exchange ex, int status, String contentType, String body) {
        if (ex.released()) return;
        ex.response().setStatusCode(status).putHeader("content-type", contentType).end(body);
    }
}
