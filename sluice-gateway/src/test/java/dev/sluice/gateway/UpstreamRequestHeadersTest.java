package dev.sluice.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upstream request's headers over real HTTP, as the upstream reads them: names, values and order, over h2c and
 * HTTP/1.1, for the provider's headers, the caller's idempotency key and the trace context (with a caller's
 * {@code tracestate}) — and the same from the second request on a connection (HTTP/2 then indexes what it sent
 * before). An attempt puts them on its request itself once it has one, so a credential Vert.x refuses as a header
 * value must still fail the request as before: an internal error, before any attempt.
 */
class UpstreamRequestHeadersTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"up\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

    @TempDir
    static Path dir;
    static Vertx vertx;
    static HttpServer upstream;
    /** Per request the upstream read: its protocol, then every header as {@code name: value}, in order. */
    static final BlockingQueue<List<String>> received = new LinkedBlockingQueue<>();
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
                .requestHandler(req -> {
                    List<String> seen = new ArrayList<>();
                    seen.add(req.version().name());
                    for (Map.Entry<String, String> h : req.headers()) seen.add(h.getKey() + ": " + h.getValue());
                    req.body().onComplete(b -> {
                        received.add(seen);
                        req.response().putHeader("content-type", "application/json").end(COMPLETION);
                    });
                });
        await(upstream.listen(0, "127.0.0.1"));
        String base = "http://127.0.0.1:" + upstream.actualPort() + "/v1";
        String yaml = "slow_down: {enabled: false}\nupstream_retries: {max_attempts: 1}\nmodels:\n"
                + model("h2", "{name: h2, provider: openai, model: up, base_url: \"" + base + "\", api_key_env: UP_KEY,"
                + " http2: h2c}")
                + model("h1", "{name: h1, provider: openai, model: up, base_url: \"" + base + "\", api_key_env: UP_KEY,"
                + " http2: \"off\"}")
                + model("badkey", "{name: badkey, provider: openai, model: up, base_url: \"" + base + "\","
                + " api_key_env: BAD_KEY, http2: h2c}");
        gw = TestGateway.builder(dir).withoutSimulator().config(yaml)
                .env(Map.of("UP_KEY", "sk-up-test", "BAD_KEY", "sk-\u0001bad")).start();
    }

    private static String model(String id, String deployment) {
        return "  - {id: " + id + ", family: " + id + ", modality: chat, context_window: 16384,"
                + " max_output_tokens: 4096, tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2},"
                + " deployments: [" + deployment + "]}\n";
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) gw.close();
        await(vertx.close());
    }

    @BeforeEach
    void clear() {
        received.clear();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static List<String> send(String model, String... headers) throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat(model, null), headers);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> seen = received.poll(10, TimeUnit.SECONDS);
        assertThat(seen).as("the upstream's request").isNotNull();
        return seen;
    }

    /** {@code seen} with the trace context's new span id (random per attempt) replaced by {@code <span>}. */
    private static List<String> spanless(List<String> seen) {
        return seen.stream().map(h -> h.startsWith("traceparent: ")
                ? h.replaceAll("^(traceparent: 00-" + TRACE + "-)[0-9a-f]{16}(-01)$", "$1<span>$2") : h).toList();
    }

    @Test
    void h2cCarriesTheProvidersHeadersThenTheTraceContextInOrder() throws Exception {
        for (int i = 0; i < 3; i++) { // the later ones are sent with HPACK's dynamic table filled by the first
            List<String> seen = send("h2", "idempotency-key", "idem-" + i + "-" + System.nanoTime(),
                    "traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01", "tracestate", "congo=t61rcWkgMzE");
            assertThat(spanless(seen)).as("request %d", i).containsExactly(
                    "HTTP_2",
                    "content-type: application/json",
                    "accept: application/json",
                    "authorization: Bearer sk-up-test",
                    seen.get(4), // the idempotency key, checked below
                    "traceparent: 00-" + TRACE + "-<span>-01",
                    "tracestate: congo=t61rcWkgMzE",
                    seen.get(7)); // content-length, checked below
            assertThat(seen.get(4)).startsWith("idempotency-key: idem-" + i + "-");
            assertThat(seen.get(7)).matches("content-length: [0-9]+");
        }
    }

    @Test
    void http11CarriesTheSameHeadersInTheSameOrder() throws Exception {
        List<String> seen = send("h1", "traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01");
        assertThat(spanless(seen)).containsExactly(
                "HTTP_1_1",
                "content-type: application/json",
                "accept: application/json",
                "authorization: Bearer sk-up-test",
                "traceparent: 00-" + TRACE + "-<span>-01",
                seen.get(5),
                seen.get(6));
        assertThat(seen.subList(5, 7)).anySatisfy(h -> assertThat(h).matches("content-length: [0-9]+"))
                .anySatisfy(h -> assertThat(h).isEqualTo("host: 127.0.0.1:" + upstream.actualPort()));
    }

    @Test
    void aCredentialVertxRefusesAsAHeaderIsAnInternalErrorBeforeAnyAttempt() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("badkey", null));
        assertError(r, 500, "server_error", "internal_error", null, true);
        assertThat(received).as("nothing reached the upstream").isEmpty();
    }
}
