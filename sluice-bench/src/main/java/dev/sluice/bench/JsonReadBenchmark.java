package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bench.load.BenchRequest;
import dev.sluice.bench.load.Json;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.stages.RequestValidation;
import dev.sluice.gateway.upstream.OpenAiAdapter;
import dev.sluice.gateway.upstream.ProviderAdapter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Reading JSON on the request path, piece by piece: the request body's parse and check ({@link RequestValidation}),
 * the prompt's token count ({@link TokenCounter}, o200k_base) and the scan of the upstream's 2xx answer
 * ({@link ProviderAdapter#translateResponse}). {@code body}: {@code bench} is the load harness's request (101 bytes),
 * {@code prompt} the 1.3 KB four-message chat of {@link RequestPathBenchmark}, {@code prompt4k} a 4 KB one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JsonReadBenchmark {
    /** The simulator's answer to the bench request (as {@code sluice sim} writes it). */
    static final String ANSWER = "{\"id\":\"chatcmpl-sim-0a1b2c3d4e5f60718293a4b5\",\"object\":\"chat.completion\","
            + "\"created\":1764379200,\"model\":\"sim-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello there, how are you?\",\"refusal\":null},\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":7,"
            + "\"total_tokens\":21},\"system_fingerprint\":\"fp_sluice_sim\"}";
    private static final Stage.Chain DONE = ex -> Future.succeededFuture(Answer.json(200, "{}"));

    @Param({"bench", "prompt", "prompt4k"})
    public String body;

    private final RequestValidation validation = new RequestValidation();
    private final TokenCounter tokens = new TokenCounter();
    private final ProviderAdapter openai = new OpenAiAdapter();
    private Buffer request;
    private JsonNode messages;
    private Buffer answer;

    @Setup
    public void setup() throws Exception {
        String text = switch (body) {
            case "bench" -> BenchRequest.CHAT_BODY;
            case "prompt" -> RequestPathBenchmark.PROMPT;
            case "prompt4k" -> prompt4k();
            default -> throw new IllegalArgumentException(body);
        };
        request = Buffer.buffer(text);
        messages = Json.MAPPER.readTree(text).get("messages");
        answer = Buffer.buffer(ANSWER);
        Exchange ex = exchange();
        validation.apply(ex, DONE);
        if (ex.json() == null || !"sim-mini".equals(ex.modelId())) throw new IllegalStateException("not validated");
        if (!(openai.translateResponse(null, null, answer) instanceof ProviderAdapter.Answer.Ok)) {
            throw new IllegalStateException("the answer is not read as a 2xx answer");
        }
    }

    /** The 1.3 KB prompt's conversation three times over (about 4 KB), as one chat request. */
    static String prompt4k() throws Exception {
        JsonNode one = Json.MAPPER.readTree(RequestPathBenchmark.PROMPT);
        var root = Json.MAPPER.createObjectNode().put("model", "sim-mini").put("max_tokens", 512);
        var all = root.putArray("messages");
        for (int i = 0; i < 3; i++) one.get("messages").forEach(all::add);
        return root.toString();
    }

    private Exchange exchange() {
        return new Exchange("req", 0, Endpoint.CHAT_COMPLETIONS, "POST", "/v1/chat/completions",
                MultiMap.caseInsensitiveMultiMap(), request, "127.0.0.1", null, null, Future.succeededFuture());
    }

    /** Parse + check of the request body, as the pipeline runs it (a fresh Exchange per request). */
    @Benchmark
    public Exchange validate() {
        Exchange ex = exchange();
        validation.apply(ex, DONE);
        return ex;
    }

    /** The prompt's token count (chat accounting, o200k_base), on the already parsed messages. */
    @Benchmark
    public int countPrompt() {
        return tokens.countMessages("o200k_base", messages);
    }

    /** The 2xx answer's scan for usage / error (the same answer whatever {@code body} is). */
    @Benchmark
    public ProviderAdapter.Answer scanAnswer() {
        return openai.translateResponse(null, null, answer);
    }
}
