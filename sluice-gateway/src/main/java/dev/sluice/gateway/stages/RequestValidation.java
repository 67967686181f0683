package dev.sluice.gateway.stages;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.validation.EndpointSchemas;
import dev.sluice.gateway.validation.JsonType;
import dev.sluice.gateway.validation.Param;
import dev.sluice.protocol.ErrorKind;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Parses the JSON body and checks it against the endpoint's parameters: invalid JSON, unknown, missing, wrongly typed
 * and out-of-range parameters each get their catalogue error with {@code param} set. Nothing downstream sees a body
 * that failed here.
 *
 * <p>The checks run twice over only for a body that fails: {@link #passes} first walks the tree without naming
 * anything (no parameter paths, no messages), and only when it finds a fault do the naming checks run ({@code check},
 * {@code checkMessages}, …), in their order, to throw the first error. {@code passes} may be stricter than the naming
 * checks (then they run and find nothing), never looser: {@code RequestValidationCorpusTest} holds it to that.
 */
public final class RequestValidation implements Stage {
    private static final ObjectMapper JSON = Json.MAPPER;
    /** Reads a body's tree with its root deserializer found once, not looked up in the mapper on every request. */
    private static final ObjectReader TREE = JSON.readerFor(JsonNode.class);
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
        Map<String, Param> schema = EndpointSchemas.forEndpoint(ex.endpoint());
        boolean chat = ex.endpoint() == Endpoint.CHAT_COMPLETIONS;
        if (!passes(body, schema, chat)) {
            check(body, schema);
            JsonNode messages = body.get("messages");
            if (messages != null) checkMessages(messages);
            checkInput(body.get("input"));
            if (chat) checkResponseFormat(body.get("response_format"));
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
            root = readTree(ex.body());
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

    /** The body's tree, read in place from a heap buffer (the body reader's) instead of from a copy of its bytes. */
    private static JsonNode readTree(Buffer body) throws java.io.IOException {
        if (body instanceof BufferInternal internal) {
            ByteBuf bytes = internal.getByteBuf();
            if (bytes.hasArray()) {
                return TREE.readTree(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
            }
        }
        byte[] copy = body.getBytes();
        return TREE.readTree(copy, 0, copy.length);
    }

    // ---- the quick pass: true when none of the naming checks below would throw ----------------------------------

    /** True when {@code body} passes every check; false when one may fail (the naming checks then find which). */
    static boolean passes(ObjectNode body, Map<String, Param> schema, boolean chat) {
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            Param p = schema.get(field.getKey());
            if (p == null) return false;
            JsonNode v = field.getValue();
            if (!v.isNull() && !fits(p, v)) return false;
        }
        for (Param p : EndpointSchemas.requiredParams(schema)) {
            JsonNode v = body.get(p.name());
            if (v == null || v.isNull()) return false;
        }
        JsonNode messages = body.get("messages");
        if (messages != null && !messagesFit(messages)) return false;
        if (emptyArray(body.get("input"))) return false;
        return !(chat && missesJsonSchema(body.get("response_format")));
    }

    // ---- the rules, each written once for both passes ---------------------------------------------------------
    // (Each tests the parameter's own fields before the value: most parameters have no range, no allowed values and
    // no nested shape, and a field read is cheaper than a JsonNode type test.)

    private static boolean typed(Param p, JsonType actual) {
        for (JsonType t : p.types()) {
            if (t.accepts(actual)) return true;
        }
        return false;
    }

    private static boolean outOfRange(Param p, JsonNode v) {
        return p.min() != null && v.isNumber() && (v.asDouble() < p.min() || v.asDouble() > p.max());
    }

    private static boolean notAllowed(Param p, JsonNode v) {
        return p.allowed() != null && v.isTextual() && !p.allowed().contains(v.asText());
    }

    private static boolean blankModel(String name, JsonNode v) {
        return name.equals("model") && v.isTextual() && v.asText().isBlank();
    }

    /** {@code response_format: {"type": "json_schema"}} needs its schema, as OpenAI says. */
    private static boolean missesJsonSchema(JsonNode format) {
        return format != null && format.path("type").asText("").equals("json_schema")
                && (format.get("json_schema") == null || format.get("json_schema").isNull());
    }

    private static boolean emptyArray(JsonNode input) {
        return input != null && input.isArray() && input.isEmpty();
    }

    /** {@link #checkValue} without naming: false where it would throw (and for a blank string named "model"). */
    private static boolean fits(Param p, JsonNode v) {
        JsonType actual = JsonType.of(v);
        if (!typed(p, actual)) return false;
        if (actual == JsonType.INTEGER && !v.canConvertToLong()) return false;
        if (outOfRange(p, v) || notAllowed(p, v) || blankModel(p.name(), v)) return false;
        if (p.element() != null && v.isArray()) {
            for (JsonNode e : v) {
                if (!fits(p.element(), e)) return false;
            }
        }
        if (p.members() != null && v.isObject()) {
            for (Param m : p.members()) {
                JsonNode mv = v.get(m.name());
                if (mv == null || mv.isNull() ? m.required() : !fits(m, mv)) return false;
            }
        }
        if (p.memberValue() != null && v.isObject()) {
            for (JsonNode mv : v) {
                if (!fits(p.memberValue(), mv)) return false;
            }
        }
        return true;
    }

    /** {@link #checkMessages} without naming. */
    private static boolean messagesFit(JsonNode messages) {
        if (messages.isEmpty()) return false;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) return false;
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) return false;
            JsonNode content = m.get("content");
            if (content != null && !content.isNull() && !content.isTextual()
                    && !(content.isArray() && fits(CONTENT_PARTS, content))) {
                return false;
            }
        }
        return true;
    }

    // ---- the naming checks: the first fault, as the catalogue error that names it ------------------------------

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
        if (!typed(p, actual)) {
            String expected = String.join(" or ", p.types().stream().map(JsonType::phrase).toList());
            throw ApiException.at(ErrorKind.INVALID_TYPE, path, "expected", expected, "actual", actual.phrase());
        }
        if (actual == JsonType.INTEGER && !v.canConvertToLong()) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, path, "why", "expected an integer between "
                    + Long.MIN_VALUE + " and " + Long.MAX_VALUE + ", but got " + v.asText());
        }
        if (outOfRange(p, v)) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, path, "why", "expected a value between "
                    + num(p.min()) + " and " + num(p.max()) + ", but got " + v.asText());
        }
        if (notAllowed(p, v)) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, path, "why", "expected one of "
                    + p.allowed().stream().sorted().map(s -> "'" + s + "'").toList() + ", but got '"
                    + v.asText() + "'");
        }
        if (blankModel(path, v)) {
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

    private static void checkResponseFormat(JsonNode format) {
        if (missesJsonSchema(format)) {
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
        if (emptyArray(input)) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "input", "why",
                    "expected a non-empty string or array, but got an empty array");
        }
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
