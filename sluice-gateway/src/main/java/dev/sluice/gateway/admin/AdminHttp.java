package dev.sluice.gateway.admin;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.validation.JsonType;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.Callable;

/**
 * Small helpers for admin endpoints: read a JSON body and its fields with the error contract (param named), run
 * blocking store work on a worker, and answer JSON. Failures go to the admin router's failure handler.
 */
public final class AdminHttp {
    public static final ObjectMapper JSON = Json.MAPPER;

    private AdminHttp() {}

    /** The request body as a JSON object; an empty body is an empty object. */
    public static ObjectNode body(RoutingContext ctx) {
        if (ctx.body() == null || ctx.body().length() == 0) return JSON.createObjectNode();
        JsonNode n;
        try {
            n = JSON.readTree(ctx.body().buffer().getBytes());
        } catch (Exception e) {
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body is JSON but not an object");
        }
        return (ObjectNode) n;
    }

    public static String requiredString(ObjectNode body, String name) {
        String v = optionalString(body, name);
        if (v == null || v.isBlank()) throw ApiException.at(ErrorKind.MISSING_PARAMETER, name);
        return v;
    }

    public static String optionalString(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw wrongType(name, "a string", v);
        return v.asText();
    }

    public static Long optionalLong(ObjectNode body, String name, long min, long max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber()) throw wrongType(name, "an integer", v);
        long l = v.asLong();
        if (l < min || l > max) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, name, "why", "expected a value between " + min + " and "
                    + max + ", but got " + l);
        }
        return l;
    }

    public static ApiException wrongType(String name, String expected, JsonNode actual) {
        return ApiException.at(ErrorKind.INVALID_TYPE, name, "expected", expected, "actual",
                JsonType.of(actual).phrase());
    }

    /** Refuses body fields outside {@code allowed} (unknown_parameter), as the public API does. */
    public static void onlyFields(ObjectNode body, java.util.Set<String> allowed) {
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) throw ApiException.at(ErrorKind.UNKNOWN_PARAMETER, f);
        }
    }

    /** Runs {@code work} on a worker thread and answers its result as JSON with {@code status}. */
    public static void blocking(RoutingContext ctx, int status, Callable<Object> work) {
        ctx.vertx().executeBlocking(work, false).onComplete(ar -> {
            if (ar.failed()) ctx.fail(ar.cause());
            else reply(ctx, status, ar.result());
        });
    }

    public static void reply(RoutingContext ctx, int status, Object value) {
        String json;
        try {
            json = value instanceof JsonNode n ? n.toString() : JSON.writeValueAsString(value);
        } catch (Exception e) {
            ctx.fail(e);
            return;
        }
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(json);
    }
}
