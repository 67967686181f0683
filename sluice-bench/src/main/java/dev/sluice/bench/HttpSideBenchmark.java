package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.json.Json;
import dev.sluice.gateway.upstream.OpenAiAdapter;
import dev.sluice.gateway.upstream.ProviderAdapter;
import dev.sluice.gateway.upstream.UpstreamClients;
import dev.sluice.protocol.ErrorBodies;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.RequestOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The per-request work the upstream branch changed on the HTTP side, each before (the code it replaced, kept here) and
 * after, in one process so a loaded machine slows both alike; run with {@code -prof gc} for bytes per operation, which
 * do not depend on the load: reading a whole non-stream answer (Jackson tree vs {@code AnswerScan} through the
 * OpenAI adapter), an attempt's request options ({@code setAbsoluteURI} vs the per-origin memo), and the
 * {@code sluice_requests} counter (registry lookup by name and tags vs the cached counter).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HttpSideBenchmark {
    /** The simulator's answer to the load harness's request (sim-mini, 16 completion tokens). */
    static final String ANSWER = "{\"id\":\"chatcmpl-sim-5f1c2e8a9b7d4c3e\",\"object\":\"chat.completion\","
            + "\"created\":1764370000,\"model\":\"sim-mini\",\"system_fingerprint\":\"fp_sim\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"Simulated reply 5f1c2e8a: lorem ipsum dolor sit amet "
            + "consectetur adipiscing elit sed do\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":16,\"total_tokens\":28,\"prompt_tokens_details\":"
            + "{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"service_tier\":\"default\"}";
    static final String URL = "http://127.0.0.1:45869/v1/chat/completions";

    Buffer body;
    ProviderAdapter adapter;
    PrometheusMeterRegistry registry;
    Counter cached;

    @Setup
    public void setUp() {
        body = Buffer.buffer(ANSWER);
        adapter = new OpenAiAdapter();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        cached = registry.counter("sluice_requests", "route", "/v1/chat/completions", "status", "200");
    }

    @Benchmark
    public Object answerTree() throws Exception { // before: the whole tree, then the usage read from it
        JsonNode root = Json.MAPPER.readTree(body.getBytes());
        if (root == null || !root.isObject() || ErrorBodies.carriesError(root)) return null;
        return root.get("usage");
    }

    @Benchmark
    public Object answerScan() { // after
        return adapter.translateResponse(null, null, body);
    }

    @Benchmark
    public RequestOptions optionsAbsoluteUri() {
        return new RequestOptions().setAbsoluteURI(URL);
    }

    @Benchmark
    public RequestOptions optionsByOrigin() {
        return UpstreamClients.requestOptions(URL);
    }

    @Benchmark
    public void counterLookup() {
        registry.counter("sluice_requests", "route", "/v1/chat/completions", "status", String.valueOf(200)).increment();
    }

    @Benchmark
    public void counterCached() {
        cached.increment();
    }
}
