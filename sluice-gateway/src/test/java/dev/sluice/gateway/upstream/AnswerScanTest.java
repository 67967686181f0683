package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.json.Json;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming read of a whole answer ({@link AnswerScan}, used by the OpenAI-compatible adapters'
 * {@code translateResponse}) gives the same verdict and the same token counts as reading the whole tree did.
 */
class AnswerScanTest {
    private static final Deployment DEPLOYMENT = new Deployment("oa", "openai", "https://api.example/v1", null,
            "OA_KEY", 0);
    private static final ProviderAdapter.Target TARGET = new ProviderAdapter.Target(DEPLOYMENT,
            "https://api.example/v1", Map.of(), Clock.systemUTC());

    /** 40 answers: well-formed, odd (duplicate keys, wrong types, nested look-alikes) and broken. */
    static java.util.stream.Stream<String> bodies() {
        return java.util.stream.Stream.of(
            "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi {\\\"usage\\\":1}\"}}],"
                    + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}",
            "{\"usage\":{\"input_tokens\":30,\"output_tokens\":4},\"id\":\"r\"}",
            "{\"usage\":{\"prompt_tokens\":\"15\",\"completion_tokens\":2.9}}",
            "{\"usage\":{\"prompt_tokens\":null,\"completion_tokens\":true}}",
            "{\"usage\":{\"prompt_tokens\":3000000000,\"completion_tokens\":-7,\"input_tokens\":5}}",
            "{\"usage\":{\"completion_tokens\":{\"n\":1},\"output_tokens\":[2],\"input_tokens\":\"x\"}}",
            "{\"usage\":{\"prompt_tokens\":1,\"prompt_tokens\":2,\"output_tokens\":8,"
                    + "\"completion_tokens_details\":{\"completion_tokens\":99}}}",
            "{\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":5},\"usage\":7}",
            "{\"usage\":{}}",
            "{\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":5,\"total_tokens\":9,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}",
            "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"detail\":\"x\"}",
            "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"error\":{}}",
            "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":",
            "{\"usage\":[1,2],\"choices\":[]}",
            "{\"usage\":null}",
            "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1},\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}",
            "{\"choices\":[{\"usage\":{\"prompt_tokens\":99,\"completion_tokens\":99}}]}",
            "{\"id\":\"c\",\"choices\":[],\"error\":null}",
            "{\"error\":{\"message\":\"x\"}}",
            "{\"error\":\"boom\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
            "{\"error\":{\"message\":\"x\"},\"error\":null}",
            "{\"error\":null,\"error\":false}",
            "{\"detail\":\"overloaded\"}",
            "{\"detail\":\"x\",\"choices\":[]}",
            "{}",
            "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}} trailing bytes",
            "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}",
            "{\"choices\":[{\"message\":{\"content\":\"cut",
            "{\"choices\":[}",
            "{\"a\":1,}",
            "[{\"usage\":{\"prompt_tokens\":3}}]",
            "\"usage\"",
            "null",
            "42",
            "",
            "   ",
            "<html>bad gateway</html>",
            "{\"a\" 1}",
            "{'usage':1}");
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void givesTheVerdictAndTheTokensOfTheWholeTree(String body) {
        for (ProviderAdapter adapter : new ProviderAdapter[]{new OpenAiAdapter(), new DetailAdapter(),
                new SimAdapter()}) {
            Expected expected = Expected.of(adapter, body);
            ProviderAdapter.Answer got = adapter.translateResponse(TARGET, chat(), Buffer.buffer(body));
            if (expected == null) {
                assertThat(got).as("%s on %s", adapter.name(), body).isInstanceOf(ProviderAdapter.Answer.Failed.class);
                continue;
            }
            assertThat(got).as("%s on %s", adapter.name(), body).isInstanceOf(ProviderAdapter.Answer.Ok.class);
            ProviderAdapter.Answer.Ok ok = (ProviderAdapter.Answer.Ok) got;
            assertThat(ok.body().toString()).isEqualTo(body); // passed on as the upstream's bytes
            Exchange counted = chat();
            new TokenCount(counted).answered(ok);
            assertThat(counted.promptTokens()).as("prompt tokens of %s", body).isEqualTo(expected.prompt());
            assertThat(counted.completionTokens()).as("completion tokens of %s", body)
                    .isEqualTo(expected.completion());
        }
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void readsABufferInPlaceAsItReadsItsBytes(String body) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AnswerScan.OpenAiAnswer fromBytes = AnswerScan.openAi(Buffer.buffer(bytes));
        // A slice that starts inside its array, with JSON before and after it: only the body's own bytes are read.
        Buffer sliced = Buffer.buffer("{\"usage\":9}").appendBytes(bytes).appendString("{\"error\":1}")
                .slice(11, 11 + bytes.length);
        assertThat(sliced.getBytes()).isEqualTo(bytes);
        // Off the heap (no array to read in place): its bytes are copied out and read the same.
        io.netty.buffer.ByteBuf direct = io.netty.buffer.Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        try {
            for (Buffer other : new Buffer[]{sliced, io.vertx.core.internal.buffer.BufferInternal.buffer(direct)}) {
                AnswerScan.OpenAiAnswer read = AnswerScan.openAi(other);
                if (fromBytes == null) {
                    assertThat(read).as(body).isNull();
                    continue;
                }
                assertThat(read).as(body).isNotNull();
                assertThat(read.skeleton()).as(body).isEqualTo(fromBytes.skeleton());
                assertThat(read.usage()).as(body).isEqualTo(fromBytes.usage());
            }
        } finally {
            direct.release();
        }
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void theSkeletonHasEveryTopLevelNameInOrderWithTheErrorAndDetailWhole(String body) throws Exception {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (Exception e) {
            tree = null;
        }
        AnswerScan.OpenAiAnswer read = AnswerScan.openAi(Buffer.buffer(body));
        if (tree == null || !tree.isObject()) {
            assertThat(read).as(body).isNull();
            return;
        }
        JsonNode skeleton = read.skeleton();
        assertThat(java.util.stream.StreamSupport.stream(skeleton.properties().spliterator(), false)
                .map(java.util.Map.Entry::getKey).toList()).as(body)
                .containsExactlyElementsOf(java.util.stream.StreamSupport.stream(tree.properties().spliterator(), false)
                        .map(java.util.Map.Entry::getKey).toList());
        for (String name : new String[]{"error", "detail"}) {
            assertThat(skeleton.get(name)).as("%s of %s", name, body).isEqualTo(tree.get(name));
        }
        assertThat(read.usage()).as(body).isEqualTo(ProviderAdapter.Usage.of(tree));
    }

    /** The skeleton's map behaves as the LinkedHashMap an object node has otherwise, order included. */
    @org.junit.jupiter.api.Test
    void theSkeletonsFieldsActAsALinkedHashMap() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String[] names = {"id", "usage", "error", "detail", "choices", "model", "a", "b", "c", "d", "e", "f"};
        for (int round = 0; round < 200; round++) {
            AnswerScan.Fields fields = new AnswerScan.Fields();
            java.util.Map<String, JsonNode> reference = new java.util.LinkedHashMap<>();
            for (int op = 0; op < 40; op++) {
                String name = new String(names[random.nextInt(names.length)]); // equal, not the same object
                JsonNode value = com.fasterxml.jackson.databind.node.IntNode.valueOf(random.nextInt(100));
                switch (random.nextInt(6)) {
                    case 0, 1, 2 -> assertThat(fields.put(name, value)).isEqualTo(reference.put(name, value));
                    case 3 -> assertThat(fields.remove(name)).isEqualTo(reference.remove(name));
                    case 4 -> { // removed while iterating
                        fields.entrySet().removeIf(e -> e.getKey().equals(name));
                        reference.entrySet().removeIf(e -> e.getKey().equals(name));
                    }
                    default -> {
                        assertThat(fields.get(name)).isEqualTo(reference.get(name));
                        assertThat(fields.containsKey(name)).isEqualTo(reference.containsKey(name));
                    }
                }
                assertThat(new java.util.ArrayList<>(fields.entrySet()))
                        .containsExactlyElementsOf(reference.entrySet());
                assertThat(fields).isEqualTo(reference).hasSameHashCodeAs(reference);
            }
        }
    }

    /** What reading the whole tree gave (the implementation before the scan): null for a failure. */
    private record Expected(int prompt, int completion) {
        static Expected of(ProviderAdapter adapter, String body) {
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (Exception e) {
                root = null;
            }
            if (root == null || !root.isObject() || adapter.carriesError(root)) return null;
            Exchange ex = chat();
            new TokenCount(ex).answered(new ProviderAdapter.Answer.Ok(Buffer.buffer(body), root));
            return new Expected(ex.promptTokens(), ex.completionTokens());
        }
    }

    private static Exchange chat() {
        return Exchanges.chat("{\"model\":\"m\",\"messages\":[]}", false);
    }
}
