package dev.sluice.gateway.stages;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.validation.EndpointSchemas;
import dev.sluice.gateway.validation.JsonType;
import dev.sluice.gateway.validation.Param;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The request checks as they were before the quick pass (commit 66e558b, verbatim but for the name): the oracle
 * {@link RequestValidationCorpusTest} compares {@link RequestValidation} with.
 *
 * <p>Before:
 * Parses the JSON body and checks it against the endpoint's parameters: invalid JSON, unknown, missing, wrongly typed
 * and out-of-range parameters each get their catalogue error with {@code param} set. Nothing downstream sees a body
 * that failed here.
 */
final class RequestValidationBefore implements Stage {
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    /** A message's content array: parts such as {@code {"type": "text", "text": …}}. */
    private static final Param CONTENT_PARTS = Param.optional("content", JsonType.ARRAY)
            .each(Param.item(JsonType.OBJECT).with(Param.required("type", JsonType.STRING)));

    @Override
    public StageOrder order() {
        return StageOrder.REQUEST_VALIDATION;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (!ex.endpoint().modelRequest()) return next.proceed(ex);
        ObjectNode body = parse(ex);
        JsonNode model = body.get("model");
        if (model != null && model.isTextual()) ex.modelId(model.asText()); // for logs and usage even if refused
        check(body, EndpointSchemas.forEndpoint(ex.endpoint()));
        JsonNode messages = body.get("messages");
        if (messages != null) checkMessages(messages);
        checkInput(body.get("input"));
        if (ex.endpoint() == dev.sluice.gateway.pipeline.Endpoint.CHAT_COMPLETIONS) {
            checkResponseFormat(body.get("response_format"));
        }
        ex.json(body);
        ex.modelId(body.get("model").asText());
        ex.stream(body.path("stream").asBoolean(false));
        return next.proceed(ex);
    }

    private static ObjectNode parse(Exchange ex) {
        if (ex.body() == null || ex.body().length() == 0) {
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body was empty");
        }
        JsonNode root;
        try {
            root = JSON.readTree(ex.body().getBytes());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body is not valid JSON" + where);
        } catch (java.io.IOException e) {
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.of(ErrorKind.INVALID_JSON, "detail", "the body is JSON but not an object");
        }
        return (ObjectNode) root;
    }

    private static void check(ObjectNode body, Map<String, Param> schema) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!schema.containsKey(name)) throw ApiException.at(ErrorKind.UNKNOWN_PARAMETER, name);
        }
        for (Param p : schema.values()) checkMember(p.name(), p, body.get(p.name()));
    }

    /** A member of an object (top-level parameter or nested): missing/null is fine unless required. */
    private static void checkMember(String path, Param p, JsonNode v) {
        if (v == null || v.isNull()) {
            if (p.required()) throw ApiException.at(ErrorKind.MISSING_PARAMETER, path);
            return;
        }
        checkValue(path, p, v);
    }

    /** One present value against its parameter, recursing into array elements and object members. */
    private static void checkValue(String path, Param p, JsonNode v) {
        JsonType actual = JsonType.of(v);
        if (p.types().stream().noneMatch(t -> t.accepts(actual))) {
            String expected = String.join(" or ", p.types().stream().map(JsonType::phrase).toList());
            throw ApiException.at(ErrorKind.INVALID_TYPE, path, "expected", expected, "actual", actual.phrase());
        }
        if (actual == JsonType.INTEGER && !v.canConvertToLong()) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, path, "why", "expected an integer between "
                    + Long.MIN_VALUE + " and " + Long.MAX_VALUE + ", but got " + v.asText());
        }
        if (v.isNumber() && p.min() != null && (v.asDouble() < p.min() || v.asDouble() > p.max())) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, path, "why", "expected a value between "
                    + num(p.min()) + " and " + num(p.max()) + ", but got " + v.asText());
        }
        if (v.isTextual() && p.allowed() != null && !p.allowed().contains(v.asText())) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, path, "why", "expected one of "
                    + p.allowed().stream().sorted().map(s -> "'" + s + "'").toList() + ", but got '"
                    + v.asText() + "'");
        }
        if (v.isTextual() && path.equals("model") && v.asText().isBlank()) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "model", "why", "the model name must not be empty");
        }
        if (v.isArray() && p.element() != null) {
            for (int i = 0; i < v.size(); i++) checkValue(path + "[" + i + "]", p.element(), v.get(i));
        }
        if (v.isObject() && p.members() != null) {
            for (Param m : p.members()) checkMember(path + "." + m.name(), m, v.get(m.name()));
        }
        if (v.isObject() && p.memberValue() != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                checkValue(path + "." + e.getKey(), p.memberValue(), e.getValue());
            }
        }
    }

    /** {@code response_format: {"type": "json_schema"}} needs its schema, as OpenAI says. */
    private static void checkResponseFormat(JsonNode format) {
        if (format != null && format.path("type").asText("").equals("json_schema")
                && (format.get("json_schema") == null || format.get("json_schema").isNull())) {
            throw ApiException.at(ErrorKind.MISSING_PARAMETER, "response_format.json_schema");
        }
    }

    private static void checkMessages(JsonNode messages) {
        if (messages.isEmpty()) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "messages", "why",
                    "expected an array with at least 1 message, but got an empty array");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.at(ErrorKind.INVALID_TYPE, at, "expected", "an object", "actual",
                        JsonType.of(m).phrase());
            }
            JsonNode role = m.get("role");
            if (role == null || role.isNull()) throw ApiException.at(ErrorKind.MISSING_PARAMETER, at + ".role");
            if (!role.isTextual()) {
                throw ApiException.at(ErrorKind.INVALID_TYPE, at + ".role", "expected", "a string", "actual",
                        JsonType.of(role).phrase());
            }
            if (!ROLES.contains(role.asText())) {
                throw ApiException.at(ErrorKind.INVALID_VALUE, at + ".role", "why", "expected one of "
                        + ROLES.stream().sorted().map(s -> "'" + s + "'").toList() + ", but got '" + role.asText()
                        + "'");
            }
            JsonNode content = m.get("content");
            if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
                throw ApiException.at(ErrorKind.INVALID_TYPE, at + ".content", "expected", "a string or an array",
                        "actual", JsonType.of(content).phrase());
            }
            if (content != null && content.isArray()) checkValue(at + ".content", CONTENT_PARTS, content);
        }
    }

    private static void checkInput(JsonNode input) {
        if (input != null && input.isArray() && input.isEmpty()) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "input", "why",
                    "expected a non-empty string or array, but got an empty array");
        }
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
