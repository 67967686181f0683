package dev.sluice.gateway.upstream.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.ProviderLimits;
import dev.sluice.gateway.upstream.StreamTranslator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Messages translations in both directions, without a network: what goes out and what comes back. */
class AnthropicTranslationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode request(String openAi) throws Exception {
        return AnthropicMessages.request(ChatRequest.read(JSON.readTree(openAi)), "claude-x", 1024);
    }

    @Test
    void systemImagesToolsAndSamplingAreTranslated() throws Exception {
        JsonNode r = request("""
                {"model":"m","messages":[
                  {"role":"system","content":"Be brief."},{"role":"developer","content":"Use metric."},
                  {"role":"user","content":[{"type":"text","text":"What is this?"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                    {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"lookup","arguments":"{\\"q\\":\\"cat\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"a cat"},
                  {"role":"user","content":"thanks"}],
                 "max_completion_tokens":50,"temperature":1.5,"top_p":0.9,"stop":"END","user":"u-1",
                 "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}],
                 "tool_choice":"required","parallel_tool_calls":false}""");
        assertThat(r.get("model").asText()).isEqualTo("claude-x");
        assertThat(r.get("system").asText()).isEqualTo("Be brief.\n\nUse metric.");
        assertThat(r.get("max_tokens").asInt()).isEqualTo(50);
        assertThat(r.get("temperature").asDouble()).isEqualTo(1.0);
        assertThat(r.get("stop_sequences").get(0).asText()).isEqualTo("END");
        assertThat(r.path("metadata").path("user_id").asText()).isEqualTo("u-1");
        JsonNode msgs = r.get("messages");
        assertThat(msgs).hasSize(3);
        JsonNode user = msgs.get(0).get("content");
        assertThat(user.get(1).path("source").path("type").asText()).isEqualTo("base64");
        assertThat(user.get(1).path("source").path("media_type").asText()).isEqualTo("image/png");
        assertThat(user.get(2).path("source").path("url").asText()).isEqualTo("https://example.com/cat.jpg");
        JsonNode toolUse = msgs.get(1).get("content").get(0);
        assertThat(toolUse.get("type").asText()).isEqualTo("tool_use");
        assertThat(toolUse.path("input").path("q").asText()).isEqualTo("cat");
        JsonNode results = msgs.get(2).get("content");
        assertThat(results.get(0).get("type").asText()).isEqualTo("tool_result");
        assertThat(results.get(0).get("tool_use_id").asText()).isEqualTo("call_1");
        assertThat(results.get(1).get("text").asText()).isEqualTo("thanks");
        assertThat(r.path("tools").get(0).path("input_schema").path("type").asText()).isEqualTo("object");
        assertThat(r.path("tool_choice").path("type").asText()).isEqualTo("any");
        assertThat(r.path("tool_choice").path("disable_parallel_tool_use").asBoolean()).isTrue();
    }

    @Test
    void withoutAnOutputCapTheModelsMaximumIsSent() throws Exception {
        assertThat(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .get("max_tokens").asInt()).isEqualTo(1024);
    }

    @Test
    void whatAnthropicCannotDoIsA400NamingTheParameter() {
        assertThatThrownBy(() -> request("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("n"));
        assertThatThrownBy(() -> request("{\"model\":\"m\",\"response_format\":{\"type\":\"json_object\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param())
                        .isEqualTo("response_format"));
    }

    @Test
    void anAnswerBecomesAChatCompletionWithCachedTokensInTheUsage() throws Exception {
        JsonNode msg = JSON.readTree("""
                {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"thinking","thinking":"hm"},
                 {"type":"text","text":"Hi "},{"type":"text","text":"there"},
                 {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}],
                 "stop_reason":"tool_use","usage":{"input_tokens":10,"cache_creation_input_tokens":5,
                 "cache_read_input_tokens":100,"output_tokens":7}}""");
        JsonNode c = AnthropicMessages.completion(msg, "claude", 42);
        JsonNode m = c.path("choices").path(0).path("message");
        assertThat(m.get("content").asText()).isEqualTo("Hi there");
        assertThat(m.path("tool_calls").path(0).path("function").path("arguments").asText()).isEqualTo("{\"a\":1}");
        assertThat(c.path("choices").path(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(c.path("usage").path("prompt_tokens").asInt()).isEqualTo(115);
        assertThat(c.path("usage").path("completion_tokens").asInt()).isEqualTo(7);
        assertThat(c.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(100);
    }

    @Test
    void aStreamSplitAnywhereEvenInsideACharacterTranslatesTheSame() {
        String sse = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_9\","
                + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
                + "event: ping\ndata: {\"type\":\"ping\"}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"h\u00e9llo \u4e16\u754c\"}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"output_tokens\":2}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < bytes.length; cut += 7) {
            AnthropicStream s = stream(true);
            List<StreamTranslator.Item> items = new ArrayList<>(s.feed(Buffer.buffer(java.util.Arrays.copyOf(bytes, cut))));
            items.addAll(s.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, cut, bytes.length))));
            items.addAll(s.end());
            String text = items.stream().filter(i -> i instanceof StreamTranslator.Event)
                    .map(i -> ((StreamTranslator.Event) i).event().data()).filter(d -> d.contains("\"content\""))
                    .map(d -> {
                        try {
                            return JSON.readTree(d).path("choices").path(0).path("delta").path("content").asText();
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }).reduce("", String::concat);
            assertThat(text).as("cut at %d", cut).isEqualTo("h\u00e9llo \u4e16\u754c");
            assertThat(items).contains(new StreamTranslator.Usage(3, 2));
            StreamTranslator.Item last = items.getLast();
            assertThat(((StreamTranslator.Event) last).event().isDone()).isTrue();
            assertThat(((StreamTranslator.Event) items.get(items.size() - 2)).event().data())
                    .contains("\"completion_tokens\":2");
        }
    }

    @Test
    void aStreamErrorEventIsTheProvidersErrorNotGarbage() {
        AnthropicStream s = stream(false);
        List<StreamTranslator.Item> items = s.feed(Buffer.buffer("event: error\ndata: {\"type\":\"error\",\"error\":"
                + "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));
        assertThat(items).singleElement().isInstanceOfSatisfying(StreamTranslator.Error.class,
                e -> assertThat(e.failure().error().error().code()).isEqualTo("upstream_unavailable"));
    }

    @Test
    void ratelimitResetsInRfc3339BecomeDurations() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-28T12:00:00Z"), ZoneOffset.UTC);
        MultiMap h = MultiMap.caseInsensitiveMultiMap()
                .set("anthropic-ratelimit-requests-limit", "50").set("anthropic-ratelimit-requests-remaining", "4")
                .set("anthropic-ratelimit-requests-reset", "2026-11-28T12:00:30Z")
                .set("anthropic-ratelimit-tokens-limit", "40000").set("anthropic-ratelimit-tokens-remaining", "100")
                .set("anthropic-ratelimit-tokens-reset", "2026-11-28T12:01:00.500Z");
        ProviderLimits l = new AnthropicAdapter().limits(h, clock);
        assertThat(l.requests()).isEqualTo(new ProviderLimits.Window(50, 4, 30_000));
        assertThat(l.tokens()).isEqualTo(new ProviderLimits.Window(40_000, 100, 60_500));
    }

    private static AnthropicStream stream(boolean includeUsage) {
        return new AnthropicStream("claude", 1, includeUsage, new Blame.Context("anthropic", "a", "claude", null, false));
    }
}
