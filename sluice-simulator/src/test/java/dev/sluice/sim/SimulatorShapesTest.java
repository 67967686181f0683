package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.protocol.RequestIds;
import dev.sluice.protocol.SseEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static dev.sluice.sim.SimHarness.chatBody;
import static dev.sluice.sim.SimHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The OpenAI wire shapes of every route, determinism, and the ordinary (non-fault) error answers. */
class SimulatorShapesTest {
    private static final Encoding O200K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    private static SimHarness sim;

    @BeforeAll
    static void start() {
        sim = SimHarness.start(SimulatorOptions.defaults().withTokensPerSecond(0));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static void assertJsonWithRequestId(HttpResponse<?> r) {
        assertThat(RequestIds.isValid(r.headers().firstValue("x-request-id").orElse(null))).isTrue();
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    }

    @Test
    void baseUrlPointsAtLoopbackV1() {
        assertThat(sim.server.baseUrl()).isEqualTo("http://127.0.0.1:" + sim.server.port() + "/v1");
        assertThat(sim.server.port()).isPositive();
    }

    @Test
    void chatCompletionHasOpenAiShapeAndConsistentUsage() {
        HttpResponse<String> r = sim.post("/chat/completions", chatBody("Hello, world!"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonWithRequestId(r);
        JsonNode n = json(r.body());
        assertThat(n.get("id").asText()).startsWith("chatcmpl-");
        assertThat(n.get("object").asText()).isEqualTo("chat.completion");
        assertThat(n.get("created").asLong()).isPositive();
        assertThat(n.get("model").asText()).isEqualTo("sim-mini");
        JsonNode choice = n.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.at("/message/role").asText()).isEqualTo("assistant");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        String content = choice.at("/message/content").asText();
        JsonNode u = n.get("usage");
        assertThat(u.get("prompt_tokens").asInt()).isEqualTo(O200K.countTokensOrdinary("Hello, world!") + 3 + 3);
        assertThat(u.get("completion_tokens").asInt()).isBetween(8, 48)
                .isEqualTo(O200K.countTokensOrdinary(content));
        assertThat(u.get("total_tokens").asInt())
                .isEqualTo(u.get("prompt_tokens").asInt() + u.get("completion_tokens").asInt());
    }

    @Test
    void sameRequestTwiceGivesIdenticalContentAndUsage() {
        String body = chatBody("determinism please", "\"temperature\":0.7");
        JsonNode a = json(sim.post("/chat/completions", body).body());
        JsonNode b = json(sim.post("/chat/completions", body).body());
        assertThat(a.at("/choices/0/message/content")).isEqualTo(b.at("/choices/0/message/content"));
        assertThat(a.get("usage")).isEqualTo(b.get("usage"));
        JsonNode other = json(sim.post("/chat/completions", chatBody("something else entirely")).body());
        assertThat(other.at("/choices/0/message/content")).isNotEqualTo(a.at("/choices/0/message/content"));
    }

    @Test
    void maxTokensCapsTheAnswerWithFinishReasonLength() {
        JsonNode n = json(sim.post("/chat/completions", chatBody("cap me", "\"max_tokens\":3")).body());
        assertThat(n.at("/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(n.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        JsonNode full = json(sim.post("/chat/completions", chatBody("cap me")).body());
        assertThat(full.at("/choices/0/message/content").asText())
                .startsWith(n.at("/choices/0/message/content").asText());
    }

    @Test
    void chatStreamSendsRoleChunkTokenChunksFinishUsageThenDone() {
        SimHarness.Streamed s = sim.stream("/chat/completions",
                chatBody("stream me", "\"stream\":true", "\"stream_options\":{\"include_usage\":true}"));
        assertThat(s.head().statusCode()).isEqualTo(200);
        assertThat(s.head().headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(RequestIds.isValid(s.head().headers().firstValue("x-request-id").orElse(null))).isTrue();
        assertThat(s.failure()).isNull();
        assertThat(s.endedWithDone()).isTrue();
        List<JsonNode> chunks = s.json();
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices")).isEmpty();
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        int completion = usageChunk.at("/usage/completion_tokens").asInt();
        assertThat(s.chatContent()).hasSize(completion);
        assertThat(chunks).hasSize(completion + 3);

        JsonNode plain = json(sim.post("/chat/completions", chatBody("stream me")).body());
        assertThat(String.join("", s.chatContent())).isEqualTo(plain.at("/choices/0/message/content").asText());
        assertThat(usageChunk.get("usage")).isEqualTo(plain.get("usage"));
    }

    @Test
    void chatStreamWithoutIncludeUsageHasNoUsageChunk() {
        SimHarness.Streamed s = sim.stream("/chat/completions", chatBody("no usage", "\"stream\":true"));
        assertThat(s.endedWithDone()).isTrue();
        assertThat(s.json()).noneMatch(c -> c.has("usage"));
        assertThat(s.json().getLast().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void responsesAnswerHasOutputTextAndUsage() {
        HttpResponse<String> r = sim.post("/responses",
                "{\"model\":\"sim-large\",\"input\":\"Tell me a story\",\"instructions\":\"Be brief\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonWithRequestId(r);
        JsonNode n = json(r.body());
        assertThat(n.get("object").asText()).isEqualTo("response");
        assertThat(n.get("id").asText()).startsWith("resp_");
        assertThat(n.get("status").asText()).isEqualTo("completed");
        JsonNode msg = n.get("output").get(0);
        assertThat(msg.get("type").asText()).isEqualTo("message");
        assertThat(msg.get("role").asText()).isEqualTo("assistant");
        JsonNode part = msg.get("content").get(0);
        assertThat(part.get("type").asText()).isEqualTo("output_text");
        JsonNode u = n.get("usage");
        assertThat(u.get("input_tokens").asInt()).isEqualTo(
                O200K.countTokensOrdinary("Tell me a story") + O200K.countTokensOrdinary("Be brief") + 3 + 3 + 3);
        assertThat(u.get("output_tokens").asInt()).isEqualTo(O200K.countTokensOrdinary(part.get("text").asText()));
        assertThat(u.get("total_tokens").asInt()).isEqualTo(u.get("input_tokens").asInt() + u.get("output_tokens").asInt());
    }

    @Test
    void responsesCutAtMaxOutputTokensAreIncomplete() {
        JsonNode n = json(sim.post("/responses", "{\"model\":\"sim-mini\",\"input\":\"x\",\"max_output_tokens\":2}")
                .body());
        assertThat(n.get("status").asText()).isEqualTo("incomplete");
        assertThat(n.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
        assertThat(n.at("/usage/output_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void responsesStreamNamesEveryEventAndNumbersThemInOrder() {
        SimHarness.Streamed s = sim.stream("/responses",
                "{\"model\":\"sim-mini\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}");
        assertThat(s.failure()).isNull();
        List<SseEvent> events = s.all();
        List<String> names = events.stream().map(SseEvent::event).toList();
        assertThat(names.getFirst()).isEqualTo("response.created");
        assertThat(names.getLast()).isEqualTo("response.completed");
        List<JsonNode> data = s.json();
        for (int i = 0; i < data.size(); i++) {
            assertThat(data.get(i).get("type").asText()).isEqualTo(names.get(i));
            assertThat(data.get(i).get("sequence_number").asInt()).isEqualTo(i);
        }
        List<String> deltas = new ArrayList<>();
        for (JsonNode d : data) {
            if (d.get("type").asText().equals("response.output_text.delta")) deltas.add(d.get("delta").asText());
        }
        JsonNode done = data.getLast().get("response");
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(deltas).hasSize(done.at("/usage/output_tokens").asInt());
        assertThat(String.join("", deltas)).isEqualTo(done.at("/output/0/content/0/text").asText());
    }

    @Test
    void embeddingsHaveConfiguredDimensionUnitNormAndAreDeterministic() {
        String body = "{\"model\":\"sim-embed\",\"input\":[\"alpha beta\",\"gamma\"]}";
        HttpResponse<String> r = sim.post("/embeddings", body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonWithRequestId(r);
        JsonNode n = json(r.body());
        assertThat(n.get("object").asText()).isEqualTo("list");
        assertThat(n.get("data")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode item = n.get("data").get(i);
            assertThat(item.get("object").asText()).isEqualTo("embedding");
            assertThat(item.get("index").asInt()).isEqualTo(i);
            assertThat(item.get("embedding")).hasSize(256);
            double norm = 0;
            for (JsonNode f : item.get("embedding")) norm += f.asDouble() * f.asDouble();
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-4));
        }
        int tokens = CL100K.countTokensOrdinary("alpha beta") + CL100K.countTokensOrdinary("gamma");
        assertThat(n.at("/usage/prompt_tokens").asInt()).isEqualTo(tokens);
        assertThat(n.at("/usage/total_tokens").asInt()).isEqualTo(tokens);
        assertThat(json(sim.post("/embeddings", body).body()).get("data")).isEqualTo(n.get("data"));
        assertThat(n.at("/data/0/embedding")).isNotEqualTo(n.at("/data/1/embedding"));
    }

    @Test
    void embeddingsHonourDimensionsAndBase64Format() {
        JsonNode floats = json(sim.post("/embeddings",
                "{\"model\":\"sim-embed\",\"input\":\"pack me\",\"dimensions\":8}").body());
        JsonNode packed = json(sim.post("/embeddings",
                "{\"model\":\"sim-embed\",\"input\":\"pack me\",\"dimensions\":8,\"encoding_format\":\"base64\"}")
                .body());
        assertThat(floats.at("/data/0/embedding")).hasSize(8);
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(packed.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            assertThat(b.getFloat()).isEqualTo(floats.at("/data/0/embedding/" + i).floatValue());
        }
    }

    @Test
    void imagesAreSmallDeterministicPngs() {
        String body = "{\"model\":\"sim-image\",\"prompt\":\"a red fox\",\"n\":2}";
        JsonNode n = json(sim.post("/images/generations", body).body());
        assertThat(n.get("data")).hasSize(2);
        byte[] png = Base64.getDecoder().decode(n.at("/data/0/b64_json").asText());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(json(sim.post("/images/generations", body).body()).get("data")).isEqualTo(n.get("data"));
        JsonNode url = json(sim.post("/images/generations",
                "{\"model\":\"sim-image\",\"prompt\":\"a red fox\",\"response_format\":\"url\"}").body());
        assertThat(url.at("/data/0/url").asText()).startsWith("data:image/png;base64,");
    }

    @Test
    void modelsListAndGetShowTheCatalogue() {
        HttpResponse<String> r = sim.get("/models");
        assertJsonWithRequestId(r);
        JsonNode list = json(r.body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id"))
                .containsExactly("sim-mini", "sim-large", "sim-embed", "sim-image");
        JsonNode one = json(sim.get("/models/sim-large").body());
        assertThat(one.get("id").asText()).isEqualTo("sim-large");
        assertThat(one.get("object").asText()).isEqualTo("model");
        assertThat(one.get("owned_by").asText()).isEqualTo("sluice-sim");
        assertThat(one.get("created").asLong()).isEqualTo(SimModels.CREATED);
    }

    @Test
    void unknownModelIsNotFoundWithParamModel() {
        for (HttpResponse<String> r : List.of(
                sim.post("/chat/completions", "{\"model\":\"gpt-nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                sim.get("/models/gpt-nope"))) {
            assertThat(r.statusCode()).isEqualTo(404);
            assertJsonWithRequestId(r);
            JsonNode e = json(r.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("model_not_found");
            assertThat(e.get("param").asText()).isEqualTo("model");
            assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.get("message").asText()).contains("gpt-nope");
        }
    }

    @Test
    void bodyThatIsNotJsonIsBadRequest() {
        for (String bad : List.of("not json", "[1,2]", "{\"model\":\"sim-mini\"} trailing")) {
            HttpResponse<String> r = sim.post("/chat/completions", bad);
            assertThat(r.statusCode()).isEqualTo(400);
            assertJsonWithRequestId(r);
            JsonNode e = json(r.body()).get("error");
            assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.get("code").isNull()).isTrue();
            assertThat(e.get("message").asText()).startsWith("We could not parse the JSON body");
        }
    }

    @Test
    void missingAndMistypedFieldsNameTheParameter() {
        JsonNode missing = json(sim.post("/chat/completions", "{\"model\":\"sim-mini\"}").body()).get("error");
        assertThat(missing.get("param").asText()).isEqualTo("messages");
        HttpResponse<String> typed = sim.post("/chat/completions", chatBody("x", "\"max_tokens\":\"5\""));
        assertThat(typed.statusCode()).isEqualTo(400);
        assertThat(json(typed.body()).at("/error/code").asText()).isEqualTo("invalid_type");
        HttpResponse<String> wrongKind = sim.post("/embeddings", "{\"model\":\"sim-mini\",\"input\":\"x\"}");
        assertThat(wrongKind.statusCode()).isEqualTo(400);
        assertThat(json(wrongKind.body()).at("/error/param").asText()).isEqualTo("model");
    }

    @Test
    void promptPlusMaxTokensOverContextIsContextLengthExceeded() {
        String huge = "word ".repeat(17_000);
        HttpResponse<String> r = sim.post("/chat/completions", chatBody(huge));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = json(r.body()).get("error");
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.get("param").asText()).isEqualTo("messages");
        assertThat(e.get("message").asText()).startsWith("This model's maximum context length is 16384 tokens.");
    }

    @Test
    void unknownRouteIsUnknownUrlAndWrongMethodIs405() {
        HttpResponse<String> r = sim.get("/nope");
        assertThat(r.statusCode()).isEqualTo(404);
        assertJsonWithRequestId(r);
        assertThat(json(r.body()).at("/error/code").asText()).isEqualTo("unknown_url");
        HttpResponse<String> m = sim.get("/chat/completions");
        assertThat(m.statusCode()).isEqualTo(405);
        assertThat(json(m.body()).at("/error/code").asText()).isEqualTo("method_not_allowed");
    }

    @Test
    void everyAnswerOnEveryRouteReleasesItsExchange() throws Exception {
        sim.post("/chat/completions", chatBody("release"));
        sim.stream("/chat/completions", chatBody("release", "\"stream\":true"));
        sim.stream("/responses", "{\"model\":\"sim-mini\",\"input\":\"x\",\"stream\":true}");
        sim.post("/embeddings", "{\"model\":\"sim-embed\",\"input\":\"x\"}");
        sim.post("/images/generations", "{\"prompt\":\"x\"}");
        sim.get("/models");
        sim.get("/nope");
        sim.get("/chat/completions");
        sim.post("/chat/completions", "nope");
        sim.server.whenIdle().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(sim.server.inFlight()).isZero();
    }

    @Test
    void everyVocabularyWordIsOneO200kToken() {
        JsonNode n = json(sim.post("/chat/completions", chatBody("long answer", "\"max_tokens\":4000")).body());
        String text = n.at("/choices/0/message/content").asText();
        assertThat(O200K.countTokensOrdinary(text)).isEqualTo(n.at("/usage/completion_tokens").asInt());
    }
}
