package dev.sluice.gateway.upstream.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.upstream.StreamTranslator;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Gemini translations in both directions and the error table, without a network. */
class GeminiTranslationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Blame.Context CTX = new Blame.Context("gemini", "g", "gem", null, false);

    private static JsonNode request(String openAi) throws Exception {
        return GeminiContents.request(ChatRequest.read(JSON.readTree(openAi)));
    }

    @Test
    void systemImagesToolsSamplingAndJsonModeAreTranslated() throws Exception {
        JsonNode r = request("""
                {"model":"m","messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":[{"type":"text","text":"What is this?"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                    {"type":"image_url","image_url":{"url":"https://example.com/cat.webp"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"lookup","arguments":"{\\"q\\":\\"cat\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"{\\"found\\":true}"},
                  {"role":"tool","tool_call_id":"call_1","content":"plain text"}],
                 "tools":[{"type":"function","function":{"name":"lookup","description":"find",
                   "parameters":{"type":"object","additionalProperties":false,"properties":{"q":{"type":"string"}}}}}],
                 "tool_choice":{"type":"function","function":{"name":"lookup"}},
                 "max_completion_tokens":50,"temperature":0.5,"top_p":0.8,"stop":"END",
                 "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}}""");

        assertThat(r.at("/systemInstruction/parts/0/text").asText()).isEqualTo("Be brief.");
        JsonNode user = r.at("/contents/0");
        assertThat(user.path("role").asText()).isEqualTo("user");
        assertThat(user.at("/parts/1/inlineData/mimeType").asText()).isEqualTo("image/png");
        assertThat(user.at("/parts/1/inlineData/data").asText()).isEqualTo("iVBORw0KGgo=");
        assertThat(user.at("/parts/2/fileData/fileUri").asText()).isEqualTo("https://example.com/cat.webp");
        assertThat(user.at("/parts/2/fileData/mimeType").asText()).isEqualTo("image/webp");
        assertThat(r.at("/contents/1/role").asText()).isEqualTo("model");
        assertThat(r.at("/contents/1/parts/0/functionCall/args/q").asText()).isEqualTo("cat");
        JsonNode results = r.at("/contents/2/parts");
        assertThat(results.at("/0/functionResponse/name").asText()).isEqualTo("lookup");
        assertThat(results.at("/0/functionResponse/response/found").asBoolean()).isTrue();
        assertThat(results.at("/1/functionResponse/response/result").asText()).isEqualTo("plain text");
        JsonNode decl = r.at("/tools/0/functionDeclarations/0");
        assertThat(decl.path("name").asText()).isEqualTo("lookup");
        assertThat(decl.path("parameters").has("additionalProperties")).isFalse();
        assertThat(r.at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("ANY");
        assertThat(r.at("/toolConfig/functionCallingConfig/allowedFunctionNames/0").asText()).isEqualTo("lookup");
        JsonNode gc = r.path("generationConfig");
        assertThat(gc.path("maxOutputTokens").asInt()).isEqualTo(50);
        assertThat(gc.path("temperature").asDouble()).isEqualTo(0.5);
        assertThat(gc.path("topP").asDouble()).isEqualTo(0.8);
        assertThat(gc.at("/stopSequences/0").asText()).isEqualTo("END");
        assertThat(gc.path("responseMimeType").asText()).isEqualTo("application/json");
        assertThat(gc.at("/responseJsonSchema/type").asText()).isEqualTo("object");
    }

    @Test
    void answersCarryToolCallsFinishReasonsAndCachedTokens() throws Exception {
        JsonNode answer = GeminiContents.completion(JSON.readTree("""
                {"candidates":[{"content":{"role":"model","parts":[{"text":"thinking","thought":true},
                  {"functionCall":{"name":"lookup","args":{"q":"x"}}}]},"finishReason":"STOP"}],
                 "usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":7,"thoughtsTokenCount":3,
                  "cachedContentTokenCount":60},"responseId":"abc"}"""), "chatcmpl-1", "gem", 5);

        JsonNode choice = answer.at("/choices/0");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.at("/message/content").isNull()).isTrue();
        assertThat(choice.at("/message/tool_calls/0/function/name").asText()).isEqualTo("lookup");
        assertThat(JSON.readTree(choice.at("/message/tool_calls/0/function/arguments").asText()).path("q").asText())
                .isEqualTo("x");
        assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(100);
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(10);
        assertThat(answer.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(60);
        assertThat(GeminiContents.finishReason("RECITATION", false)).isEqualTo("content_filter");
        assertThat(GeminiContents.finishReason("MAX_TOKENS", false)).isEqualTo("length");
    }

    @Test
    void rowsAreChosenByStatusReasonAndMessageNotByHttpStatusAlone() throws Exception {
        assertThat(GeminiError.of(400, JSON.readTree("""
                {"code":400,"status":"INVALID_ARGUMENT","message":"API key not valid. Please pass a valid API key.",
                 "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}""")))
                .isEqualTo(GeminiError.API_KEY_INVALID);
        assertThat(GeminiError.of(400, JSON.readTree("""
                {"code":400,"status":"FAILED_PRECONDITION","message":"User location is not supported for the API use."}
                """))).isEqualTo(GeminiError.LOCATION_NOT_SUPPORTED);
        assertThat(GeminiError.of(400, JSON.readTree("""
                {"code":400,"status":"INVALID_ARGUMENT","message":"Invalid value at 'contents' (text 429)"}""")))
                .isEqualTo(GeminiError.INVALID_ARGUMENT);
        assertThat(GeminiError.of(503, null)).isEqualTo(GeminiError.UNAVAILABLE);
        assertThat(GeminiError.of(502, null)).isEqualTo(GeminiError.INTERNAL);
        assertThat(GeminiError.retryDelayMs(JSON.readTree("""
                {"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}""")))
                .isEqualTo(37_000);
    }

    @Test
    void inputTooLongKeepsGeminisNumbersInTheCataloguesWords() {
        Failure f = GeminiError.INPUT_TOO_LONG.failure("The input token count (1200000) exceeds the maximum number "
                + "of tokens allowed (1048576).", CTX, -1);

        assertThat(f.error().kind()).isEqualTo(ErrorKind.CONTEXT_LENGTH_EXCEEDED);
        assertThat(f.error().error().message()).startsWith("This model's maximum context length is 1048576 tokens. "
                + "However, your messages resulted in 1200000 tokens.");
        assertThat(f.next()).isEqualTo(Failure.Next.STOP);
    }

    @Test
    void aStreamSplitMidEventIsTranslatedOnceWhole() {
        GeminiStream s = new GeminiStream("chatcmpl-1", "gem", 5, true, CTX);
        String sse = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hé\"}],\"role\":\"model\"}}]}\r\n\r\n"
                + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"llo\"}],\"role\":\"model\"},"
                + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2,"
                + "\"totalTokenCount\":6}}\r\n\r\n";
        byte[] bytes = sse.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<StreamTranslator.Item> items = new java.util.ArrayList<>();
        for (int i = 0; i < bytes.length; i += 7) {
            items.addAll(s.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7)))));
        }
        items.addAll(s.end());

        StringBuilder text = new StringBuilder();
        for (StreamTranslator.Item it : items) {
            if (it instanceof StreamTranslator.Event e && !e.event().isDone()) {
                text.append(readUnchecked(e.event().data()).at("/choices/0/delta/content").asText(""));
            }
        }
        assertThat(text.toString()).isEqualTo("Héllo");
        assertThat(items).filteredOn(StreamTranslator.Usage.class::isInstance).singleElement()
                .isEqualTo(new StreamTranslator.Usage(4, 2));
        assertThat(items.getLast()).isInstanceOfSatisfying(StreamTranslator.Event.class,
                e -> assertThat(e.event().isDone()).isTrue());
    }

    private static JsonNode readUnchecked(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s);
        }
    }
}
