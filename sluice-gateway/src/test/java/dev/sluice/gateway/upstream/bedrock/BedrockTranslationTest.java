package dev.sluice.gateway.upstream.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.upstream.StreamTranslator;
import dev.sluice.protocol.aws.EventStream;
import dev.sluice.protocol.aws.SigV4;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Converse translations, the eventstream translator, the error table and the key sources, without a network. */
class BedrockTranslationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Blame.Context CTX = new Blame.Context("bedrock", "b", "bed", null, false);

    @Test
    void systemImagesToolsAndSamplingAreTranslated() throws Exception {
        JsonNode r = BedrockConverse.request(ChatRequest.read(JSON.readTree("""
                {"model":"m","messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":[{"type":"text","text":"What is this?"},
                    {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]},
                  {"role":"assistant","content":"Let me look.","tool_calls":[{"id":"tooluse_1","type":"function",
                    "function":{"name":"lookup","arguments":"{\\"q\\":\\"cat\\"}"}}]},
                  {"role":"tool","tool_call_id":"tooluse_1","content":"{\\"found\\":true}"}],
                 "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}],
                 "tool_choice":"required","max_tokens":50,"temperature":0.5,"top_p":0.8,"stop":["END"]}""")));

        assertThat(r.at("/system/0/text").asText()).isEqualTo("Be brief.");
        assertThat(r.at("/messages/0/content/1/image/format").asText()).isEqualTo("jpeg");
        assertThat(r.at("/messages/0/content/1/image/source/bytes").asText()).isEqualTo("/9j/4AAQ");
        assertThat(r.at("/messages/1/role").asText()).isEqualTo("assistant");
        assertThat(r.at("/messages/1/content/0/text").asText()).isEqualTo("Let me look.");
        assertThat(r.at("/messages/1/content/1/toolUse/toolUseId").asText()).isEqualTo("tooluse_1");
        assertThat(r.at("/messages/1/content/1/toolUse/input/q").asText()).isEqualTo("cat");
        assertThat(r.at("/messages/2/content/0/toolResult/content/0/json/found").asBoolean()).isTrue();
        assertThat(r.at("/toolConfig/tools/0/toolSpec/inputSchema/json/type").asText()).isEqualTo("object");
        assertThat(r.at("/toolConfig/toolChoice").has("any")).isTrue();
        assertThat(r.at("/inferenceConfig/maxTokens").asInt()).isEqualTo(50);
        assertThat(r.at("/inferenceConfig/topP").asDouble()).isEqualTo(0.8);
        assertThat(r.at("/inferenceConfig/stopSequences/0").asText()).isEqualTo("END");
    }

    @Test
    void imageUrlsAndJsonModeAreRefusedNamingTheField() {
        assertThatThrownBy(() -> BedrockConverse.request(ChatRequest.read(JSON.readTree("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"image_url",
                  "image_url":{"url":"https://example.com/a.png"}}]}]}"""))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("messages"));
        assertThatThrownBy(() -> BedrockConverse.request(ChatRequest.read(JSON.readTree("""
                {"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}"""))))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.error().param()).isEqualTo("response_format"));
    }

    @Test
    void usageCountsCacheReadsAndWritesAsPrompt() throws Exception {
        JsonNode answer = BedrockConverse.completion(JSON.readTree("""
                {"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"guardrail_intervened",
                 "usage":{"inputTokens":10,"outputTokens":2,"totalTokens":72,"cacheReadInputTokens":50,
                  "cacheWriteInputTokens":10}}"""), "chatcmpl-1", "bed", 5);

        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(70);
        assertThat(answer.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(50);
    }

    @Test
    void errorTypesAreReadInEveryFormAwsWritesThem() {
        assertThat(BedrockError.of(429, "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
                "x")).isEqualTo(BedrockError.THROTTLING);
        assertThat(BedrockError.of(0, "throttlingException", "x")).isEqualTo(BedrockError.THROTTLING);
        assertThat(BedrockError.of(400, "com.amazon.coral.validate#ValidationException",
                "Input is too long for requested model.")).isEqualTo(BedrockError.INPUT_TOO_LONG);
        assertThat(BedrockError.of(400, "ValidationException", "maxTokens 429 too big"))
                .isEqualTo(BedrockError.VALIDATION);
        assertThat(BedrockError.of(503, null, null)).isEqualTo(BedrockError.SERVICE_UNAVAILABLE);
        Failure quota = BedrockError.SERVICE_QUOTA_EXCEEDED.failure("quota", CTX, -1);
        assertThat(quota.next()).isEqualTo(Failure.Next.OTHER_DEPLOYMENT);
        assertThat(quota.error().error().code()).isEqualTo("bad_gateway");
    }

    @Test
    void framesSplitAnywhereBecomeChunksAndAnExceptionFrameAnError() {
        byte[] all = concat(
                EventStream.encode(EventStream.Message.event("messageStart", "{\"role\":\"assistant\"}")),
                EventStream.encode(EventStream.Message.event("contentBlockDelta",
                        "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}")),
                EventStream.encode(EventStream.Message.exception("throttlingException",
                        "{\"message\":\"Too many requests\"}")));
        BedrockStream s = new BedrockStream("chatcmpl-1", "bed", 5, false, CTX);
        List<StreamTranslator.Item> items = new ArrayList<>();
        for (int i = 0; i < all.length; i += 5) {
            items.addAll(s.feed(Buffer.buffer(java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + 5)))));
        }

        assertThat(items).hasSize(3); // role chunk, "Hi", the error
        assertThat(items.getLast()).isInstanceOfSatisfying(StreamTranslator.Error.class,
                e -> assertThat(e.failure().error().error().code()).isEqualTo("upstream_unavailable"));
    }

    @Test
    void aCorruptFrameIsGarbage() {
        byte[] frame = EventStream.encode(EventStream.Message.event("messageStart", "{\"role\":\"assistant\"}"));
        frame[frame.length - 1] ^= 1;
        List<StreamTranslator.Item> items = new BedrockStream("c", "bed", 5, false, CTX).feed(Buffer.buffer(frame));

        assertThat(items).singleElement().isInstanceOfSatisfying(StreamTranslator.Error.class,
                e -> assertThat(e.failure().error().error().code()).isEqualTo("bad_gateway"));
    }

    @Test
    void keysComeFromPrefixedVariablesOrACredentialsFileNeverShown() throws Exception {
        Deployment env = new Deployment("b", "bedrock", null, "m", "BR", 0);
        SigV4.Credentials k = AwsKeys.of(env, Map.of("BR_ACCESS_KEY_ID", "AKID", "BR_SECRET_ACCESS_KEY", "s3cr3t",
                "BR_SESSION_TOKEN", "tok")).orElseThrow();
        assertThat(k.accessKeyId()).isEqualTo("AKID");
        assertThat(k.sessionToken()).isEqualTo("tok");
        assertThat(k.toString()).doesNotContain("s3cr3t").doesNotContain("tok");
        assertThat(AwsKeys.of(new Deployment("b", "bedrock", null, "m", null, 0),
                Map.of("AWS_ACCESS_KEY_ID", "A", "AWS_SECRET_ACCESS_KEY", "S"))).isPresent();
        assertThat(AwsKeys.of(env, Map.of("BR_ACCESS_KEY_ID", "AKID"))).isEmpty();

        Path file = Files.createTempFile("aws", ".ini");
        Files.writeString(file, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = fromfile\n");
        Deployment fromFile = new Deployment("b", "bedrock", null, "m", null, 0, file.toString(), "us-east-1", null,
                null, false, null, null, null);
        assertThat(AwsKeys.of(fromFile, Map.of()).orElseThrow().accessKeyId()).isEqualTo("AKIDFILE");
        Files.delete(file);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
