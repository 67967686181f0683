package dev.sluice.gateway.validation;

import dev.sluice.gateway.pipeline.Endpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.validation.JsonType.ARRAY;
import static dev.sluice.gateway.validation.JsonType.BOOLEAN;
import static dev.sluice.gateway.validation.JsonType.INTEGER;
import static dev.sluice.gateway.validation.JsonType.NUMBER;
import static dev.sluice.gateway.validation.JsonType.OBJECT;
import static dev.sluice.gateway.validation.JsonType.STRING;
import static dev.sluice.gateway.validation.Param.item;
import static dev.sluice.gateway.validation.Param.optional;
import static dev.sluice.gateway.validation.Param.required;

/** The top-level body parameters each endpoint accepts, after OpenAI's API reference. Unknown keys are refused. */
public final class EndpointSchemas {
    private EndpointSchemas() {}

    public static Map<String, Param> forEndpoint(Endpoint e) {
        return switch (e) {
            case CHAT_COMPLETIONS -> CHAT;
            case RESPONSES -> RESPONSES;
            case EMBEDDINGS -> EMBEDDINGS;
            case IMAGES -> IMAGES;
            default -> Map.of();
        };
    }

    /** The required parameters of a schema from {@link #forEndpoint}, in its order. */
    public static List<Param> requiredParams(Map<String, Param> schema) {
        List<Param> r = REQUIRED.get(schema);
        return r != null ? r : schema.values().stream().filter(Param::required).toList();
    }

    private static final Map<String, Param> CHAT = index(List.of(
            required("model", STRING),
            required("messages", ARRAY),
            optional("frequency_penalty", NUMBER).range(-2, 2),
            optional("presence_penalty", NUMBER).range(-2, 2),
            optional("logit_bias", OBJECT).values(item(NUMBER).range(-100, 100)),
            optional("logprobs", BOOLEAN),
            optional("top_logprobs", INTEGER).range(0, 20),
            optional("max_tokens", INTEGER).range(1, Integer.MAX_VALUE),
            optional("max_completion_tokens", INTEGER).range(1, Integer.MAX_VALUE),
            optional("n", INTEGER).range(1, 128),
            optional("response_format", OBJECT).with(
                    required("type", STRING).oneOf("text", "json_object", "json_schema"),
                    optional("json_schema", OBJECT)),
            optional("seed", INTEGER),
            optional("service_tier", STRING).oneOf("auto", "default", "flex", "scale", "priority"),
            optional("stop", STRING, ARRAY).each(item(STRING)),
            optional("stream", BOOLEAN),
            optional("stream_options", OBJECT).with(optional("include_usage", BOOLEAN),
                    optional("include_obfuscation", BOOLEAN)),
            optional("temperature", NUMBER).range(0, 2),
            optional("top_p", NUMBER).range(0, 1),
            optional("tools", ARRAY).each(item(OBJECT).with(required("type", STRING),
                    optional("function", OBJECT))),
            optional("tool_choice", STRING, OBJECT).oneOf("none", "auto", "required")
                    .with(required("type", STRING)),
            optional("parallel_tool_calls", BOOLEAN),
            optional("functions", ARRAY).each(item(OBJECT).with(required("name", STRING))),
            optional("function_call", STRING, OBJECT).oneOf("none", "auto").with(required("name", STRING)),
            optional("user", STRING),
            optional("metadata", OBJECT),
            optional("store", BOOLEAN),
            optional("reasoning_effort", STRING).oneOf("minimal", "low", "medium", "high"),
            optional("modalities", ARRAY).each(item(STRING).oneOf("text", "audio")),
            optional("audio", OBJECT),
            optional("prediction", OBJECT),
            optional("verbosity", STRING).oneOf("low", "medium", "high"),
            optional("web_search_options", OBJECT),
            optional("safety_identifier", STRING),
            optional("prompt_cache_key", STRING)));

    private static final Map<String, Param> RESPONSES = index(List.of(
            required("model", STRING),
            required("input", STRING, ARRAY).each(item(STRING, OBJECT)),
            optional("instructions", STRING),
            optional("max_output_tokens", INTEGER).range(1, Integer.MAX_VALUE),
            optional("temperature", NUMBER).range(0, 2),
            optional("top_p", NUMBER).range(0, 1),
            optional("stream", BOOLEAN),
            optional("stream_options", OBJECT),
            optional("metadata", OBJECT),
            optional("tools", ARRAY).each(item(OBJECT).with(required("type", STRING))),
            optional("tool_choice", STRING, OBJECT).oneOf("none", "auto", "required")
                    .with(required("type", STRING)),
            optional("parallel_tool_calls", BOOLEAN),
            optional("previous_response_id", STRING),
            optional("store", BOOLEAN),
            optional("text", OBJECT),
            optional("reasoning", OBJECT),
            optional("truncation", STRING).oneOf("auto", "disabled"),
            optional("include", ARRAY).each(item(STRING)),
            optional("background", BOOLEAN),
            optional("service_tier", STRING).oneOf("auto", "default", "flex", "scale", "priority"),
            optional("top_logprobs", INTEGER).range(0, 20),
            optional("user", STRING),
            optional("safety_identifier", STRING),
            optional("prompt_cache_key", STRING),
            optional("max_tool_calls", INTEGER).range(1, Integer.MAX_VALUE),
            optional("prompt", OBJECT),
            optional("conversation", STRING, OBJECT)));

    private static final Map<String, Param> EMBEDDINGS = index(List.of(
            required("model", STRING),
            required("input", STRING, ARRAY).each(item(STRING, INTEGER, ARRAY)),
            optional("encoding_format", STRING).oneOf("float", "base64"),
            optional("dimensions", INTEGER).range(1, 65536),
            optional("user", STRING),
            optional("metadata", OBJECT)));

    private static final Map<String, Param> IMAGES = index(List.of(
            required("model", STRING),
            required("prompt", STRING),
            optional("n", INTEGER).range(1, 10),
            optional("size", STRING).oneOf("auto", "256x256", "512x512", "1024x1024", "1536x1024", "1024x1536",
                    "1792x1024", "1024x1792"),
            optional("quality", STRING).oneOf("auto", "standard", "hd", "low", "medium", "high"),
            optional("response_format", STRING).oneOf("url", "b64_json"),
            optional("style", STRING).oneOf("vivid", "natural"),
            optional("background", STRING).oneOf("auto", "transparent", "opaque"),
            optional("moderation", STRING).oneOf("auto", "low"),
            optional("output_format", STRING).oneOf("png", "jpeg", "webp"),
            optional("output_compression", INTEGER).range(0, 100),
            optional("user", STRING),
            optional("metadata", OBJECT)));

    private static final Map<Map<String, Param>, List<Param>> REQUIRED = new java.util.IdentityHashMap<>();

    static {
        for (Map<String, Param> schema : List.of(CHAT, RESPONSES, EMBEDDINGS, IMAGES)) {
            REQUIRED.put(schema, schema.values().stream().filter(Param::required).toList());
        }
    }

    private static Map<String, Param> index(List<Param> params) {
        Map<String, Param> m = new LinkedHashMap<>();
        for (Param p : params) m.put(p.name(), p);
        return java.util.Collections.unmodifiableMap(m);
    }
}
