package dev.sluice.gateway.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.json.Json;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.validation.EndpointSchemas;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RequestValidation} (a quick pass, then the naming checks only for a body that fails it) gives every body the
 * verdict the checks gave before the quick pass ({@link RequestValidationBefore}): the same error (status, message,
 * type, param, code, headers), or the same pass with the same model, stream flag and tree. The bodies are generated:
 * a valid request of each model endpoint with most of its parameters set, then up to four random changes (a key
 * removed or added, a parameter or a value deep inside replaced by one of a pool of values of every JSON type and of
 * the edges of the ranges), 5,000 per endpoint, from a fixed seed.
 */
class RequestValidationCorpusTest {
    private static final int PER_ENDPOINT = 5_000;
    private static final Stage.Chain PASSED = ex -> Future.succeededFuture(Answer.json(200, "{}"));

    /** A valid body of each endpoint with most of its parameters set. */
    private static final Map<Endpoint, String> VALID = Map.of(
            Endpoint.CHAT_COMPLETIONS, """
                    {"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},
                     {"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
                     {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                     {"role":"tool","tool_call_id":"c1","content":"42"}],
                     "frequency_penalty":0.5,"presence_penalty":-1,"logit_bias":{"50256":-100,"11":2.5},"logprobs":false,
                     "top_logprobs":3,"max_tokens":100,"max_completion_tokens":200,"n":1,
                     "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{}}},"seed":7,
                     "service_tier":"auto","stop":["\\n","END"],"stream":true,"stream_options":{"include_usage":true},
                     "temperature":0.7,"top_p":1,"tools":[{"type":"function","function":{"name":"f"}}],
                     "tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":true,
                     "user":"u1","metadata":{"k":"v"},"store":false,"reasoning_effort":"low","modalities":["text"],
                     "verbosity":"medium","prompt_cache_key":"p"}""",
            Endpoint.RESPONSES, """
                    {"model":"gpt-4o-mini","input":["hello",{"role":"user","content":"there"}],"instructions":"Be brief.",
                     "max_output_tokens":50,"temperature":1.5,"top_p":0.5,"stream":false,"metadata":{},
                     "tools":[{"type":"web_search"}],"tool_choice":"auto","truncation":"auto","include":["x"],
                     "background":false,"service_tier":"flex","top_logprobs":20,"max_tool_calls":2,
                     "conversation":"conv_1"}""",
            Endpoint.EMBEDDINGS, """
                    {"model":"text-embedding-3-small","input":["a",[1,2,3],5],"encoding_format":"float",
                     "dimensions":256,"user":"u","metadata":{"a":"b"}}""",
            Endpoint.IMAGES, """
                    {"model":"gpt-image-1","prompt":"a cat","n":2,"size":"1024x1024","quality":"high",
                     "response_format":"url","style":"vivid","background":"auto","moderation":"low",
                     "output_format":"png","output_compression":100,"user":"u"}""");

    /** Values of every JSON type, of the edges of the ranges, and of the shapes the schemas look into. */
    private static final List<JsonNode> POOL = parse("""
            [null,true,false,0,1,-1,2,3,7,10,11,20,21,100,101,128,129,256,65536,65537,-2,-2.5,2.5,0.5,-100,-101,
             1e300,2147483647,2147483648,99999999999999999999,-99999999999999999999,1.0,"","  ","auto","none",
             "required","text","json_object","json_schema","audio","user","system","developer","assistant","tool",
             "function","bogus","float","base64","url","1024x1024","low","high","medium","minimal","flex","png","model",
             [],[1],[1.5],["a"],["text","audio"],["text","video"],[null],[[1,2]],[{}],
             [{"type":"text","text":"hi"}],[{"text":"no type"}],[{"type":1}],["x",{"role":"user","content":"y"}],
             [{"role":"user","content":"x"}],[{"role":"bogus","content":"x"}],[{"content":"x"}],[{"role":null}],
             [{"role":"user","content":5}],[{"role":"user","content":[{"type":"text"}]}],[{"role":"user","content":[1]}],
             {},{"type":"text"},{"type":"json_schema"},{"type":"json_schema","json_schema":null},
             {"type":"json_schema","json_schema":{}},{"type":"bogus"},{"type":5},{"type":"function","function":{"name":"f"}},
             {"name":"f"},{"name":5},{"a":1},{"a":"x"},{"a":-101},{"a":null},{"include_usage":true},
             {"include_usage":"yes"},{"include_obfuscation":1},{"role":"user","content":"x"}]""");

    @Test
    void everyGeneratedBodyGetsTheVerdictItGotBefore() {
        Random random = new Random(13);
        Map<ErrorKind, Integer> refusals = new EnumMap<>(ErrorKind.class);
        int passed = 0;
        for (Endpoint endpoint : VALID.keySet().stream().sorted().toList()) {
            for (int n = 0; n < PER_ENDPOINT; n++) {
                String body = generate(endpoint, random);
                Verdict before = verdict(new RequestValidationBefore(), endpoint, body);
                Verdict now = verdict(new RequestValidation(), endpoint, body);
                assertThat(now).as("%s %s", endpoint, body).isEqualTo(before);
                if (before.error() == null) passed++;
                else refusals.merge(before.kind(), 1, Integer::sum);
            }
        }
        // The corpus is worth something only if it both passes and refuses, for every reason a parameter is refused.
        assertThat(passed).isGreaterThan(PER_ENDPOINT / 2);
        assertThat(refusals).containsKeys(ErrorKind.UNKNOWN_PARAMETER, ErrorKind.MISSING_PARAMETER,
                ErrorKind.INVALID_TYPE, ErrorKind.INVALID_VALUE);
        assertThat(refusals.values()).allMatch(count -> count > 100);
    }

    /**
     * Also read in place from a buffer that starts inside its array (a slice): the error's line and column are the
     * body's own, as they were when the body was copied out first.
     */
    @Test
    void bodiesThatAreNotAnObjectGetTheVerdictTheyGotBefore() {
        for (String body : List.of("{\n \"model\": x}", "{\"model\":\"m\",\n\"messages\":[{]}","", " ", "null", "[1]", "\"x\"", "42", "{", "{\"model\":}", "{\"a\":1}x",
                "{\"model\":\"m\",\"messages\":[]}", "{\"model\":\"\",\"messages\":[{\"role\":\"user\"}]}")) {
            for (Endpoint endpoint : VALID.keySet()) {
                Verdict before = verdict(new RequestValidationBefore(), endpoint, Buffer.buffer(body));
                assertThat(verdict(new RequestValidation(), endpoint, Buffer.buffer(body))).as("%s %s", endpoint, body)
                        .isEqualTo(before);
                Buffer sliced = Buffer.buffer("{\"x\":\n1}" + body + "]").slice(8, 8 + body.length());
                assertThat(sliced.toString()).isEqualTo(body);
                assertThat(verdict(new RequestValidation(), endpoint, sliced)).as("%s %s sliced", endpoint, body)
                        .isEqualTo(before);
            }
        }
    }

    /** What a stage made of a body: its error, or what it told the exchange. */
    record Verdict(ErrorKind kind, int status, Object error, Map<String, String> headers, String modelId,
                   boolean stream, JsonNode json) {}

    private static Verdict verdict(Stage stage, Endpoint endpoint, String body) {
        return verdict(stage, endpoint, Buffer.buffer(body));
    }

    private static Verdict verdict(Stage stage, Endpoint endpoint, Buffer body) {
        Exchange ex = new Exchange("req", 0, endpoint, "POST", endpoint.route(), MultiMap.caseInsensitiveMultiMap(),
                body, "127.0.0.1", null, null, Future.succeededFuture());
        try {
            stage.apply(ex, PASSED);
        } catch (ApiException e) {
            return new Verdict(e.kind(), e.status(), e.error(), e.headers(), ex.modelId(), false, null);
        }
        return new Verdict(null, 200, null, Map.of(), ex.modelId(), ex.stream(), ex.json());
    }

    /** The valid body of {@code endpoint} with up to four random changes. */
    private static String generate(Endpoint endpoint, Random random) {
        ObjectNode body = (ObjectNode) parseNode(VALID.get(endpoint));
        List<String> params = new ArrayList<>(EndpointSchemas.forEndpoint(endpoint).keySet());
        int changes = random.nextInt(5);
        for (int c = 0; c < changes; c++) {
            switch (random.nextInt(6)) {
                case 0 -> body.remove(pick(random, new ArrayList<>(body.properties().stream().map(Map.Entry::getKey)
                        .toList())));
                case 1 -> body.set(random.nextBoolean() ? "bogus_param" : "Model", pick(random, POOL));
                case 2, 3 -> body.set(pick(random, params), pick(random, POOL).deepCopy());
                default -> replaceInside(body, random);
            }
        }
        return body.toString();
    }

    /** Replaces one value somewhere below the top level (an element or a member, at any depth) by a pool value. */
    private static void replaceInside(ObjectNode body, Random random) {
        JsonNode at = body;
        for (int depth = 0; depth < 4; depth++) {
            List<JsonNode> children = new ArrayList<>();
            at.forEach(children::add);
            List<JsonNode> containers = children.stream().filter(JsonNode::isContainerNode).toList();
            if (containers.isEmpty() || (depth > 0 && random.nextInt(3) == 0)) break;
            at = pick(random, containers);
        }
        if (at == body || at.isEmpty()) return;
        JsonNode value = pick(random, POOL).deepCopy();
        if (at instanceof ArrayNode a) {
            a.set(random.nextInt(a.size()), value);
        } else if (at instanceof ObjectNode o) {
            List<String> names = new ArrayList<>(o.properties().stream().map(Map.Entry::getKey).toList());
            o.set(random.nextInt(4) == 0 ? "extra" : pick(random, names), value);
        }
    }

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static List<JsonNode> parse(String pool) {
        List<JsonNode> out = new ArrayList<>();
        parseNode(pool).forEach(out::add);
        return out;
    }

    private static JsonNode parseNode(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
