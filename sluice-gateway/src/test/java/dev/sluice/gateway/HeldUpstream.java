package dev.sluice.gateway;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.TestGateway.chat;

/**
 * A real upstream on loopback that holds back the first byte of every answer until {@link #release()} (as a
 * reasoning model does for tens of seconds), then answers streams with SSE and other requests with JSON. Tests use
 * it to hold requests in flight for exactly as long as they need, instead of an upstream delay that a loaded machine
 * can outlast or cut short.
 */
final class HeldUpstream implements AutoCloseable {
    private static final String CHUNK = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"up\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}";
    private static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"up\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";
    /** How long anything here waits for a state: a bound for a hang, not a speed. */
    static final long BOUND_SECONDS = 120;

    private final CountDownLatch gate = new CountDownLatch(1);
    private final Semaphore arrivals = new Semaphore(0);
    /** One HTTP/1.1 connection per request, as the load harness's clients: no h2 stream cap of the client's. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** A caller per request, each blocked in its own send. */
    private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
    final ScriptedServer server = ScriptedServer.start().route(this::answer);

    private Reply answer(ScriptedServer.Recorded request) {
        arrivals.release();
        try {
            if (!gate.await(BOUND_SECONDS, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return request.bodyText().contains("\"stream\":true")
                ? Reply.sse("data: " + CHUNK + "\n\n", "data: [DONE]\n\n")
                : Reply.json(200, COMPLETION);
    }

    /** A gateway whose model {@code held} is deployed on this upstream, with {@code extraYaml} added. */
    TestGateway gateway(Path dir, String extraYaml) {
        String yaml = "slow_down: {enabled: false}\nmodels:\n"
                + "  - {id: held, family: held, modality: chat, context_window: 16384, max_output_tokens: 4096,"
                + " tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: up,"
                + " provider: openai, model: up, base_url: \"" + server.baseUrl() + "\", api_key_env: UP_KEY}]}\n"
                + extraYaml;
        return TestGateway.builder(dir).withoutSimulator().config(yaml).env("UP_KEY", "sk-up-test").start();
    }

    /** A chat request to model {@code held}, streamed or not, that waits as long as the upstream may hold it. */
    static HttpRequest request(TestGateway gw, boolean stream) {
        return HttpRequest.newBuilder(TrafficHarness.chatRequest(gw, chat("held", stream ? "\"stream\":true" : null)),
                (n, v) -> true).timeout(java.time.Duration.ofSeconds(BOUND_SECONDS)).build();
    }

    /** Sends {@code n} chat requests to model {@code held} at once, streamed or not. */
    List<CompletableFuture<HttpResponse<String>>> send(TestGateway gw, int n, boolean stream) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) all.add(send(request(gw, stream)));
        return all;
    }

    /** Sends {@code request} on a caller of its own. */
    CompletableFuture<HttpResponse<String>> send(HttpRequest request) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, callers);
    }

    /** Waits until {@code total} requests in all have reached this upstream. */
    void awaitArrivals(int total) throws InterruptedException {
        if (!arrivals.tryAcquire(total, BOUND_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("only " + server.requests().size() + " of " + total
                    + " requests reached the upstream");
        }
        arrivals.release(total); // the count stays cumulative for the next wait
    }

    /**
     * Waits until {@code total} requests in all have reached this upstream, and fails if one of {@code sent} was
     * answered before (refused by the gateway: nothing is answered while the upstream holds its first byte).
     */
    void awaitArrivals(int total, List<CompletableFuture<HttpResponse<String>>> sent) throws Exception {
        CompletableFuture<Void> anyAnswered = CompletableFuture.anyOf(sent.toArray(CompletableFuture[]::new))
                .thenAccept(r -> { });
        CompletableFuture<Void> arrived = CompletableFuture.runAsync(() -> {
            try {
                if (!arrivals.tryAcquire(total, BOUND_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no arrivals");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture.anyOf(arrived, anyAnswered).get(BOUND_SECONDS, TimeUnit.SECONDS);
        for (CompletableFuture<HttpResponse<String>> f : sent) {
            if (f.isDone()) {
                HttpResponse<String> r = f.join();
                throw new AssertionError("answered before the upstream's first byte: " + r.statusCode() + " "
                        + r.body() + " (" + server.requests().size() + " of " + total + " requests reached the upstream)");
            }
        }
        arrivals.release(total); // the count stays cumulative for the next wait
    }

    /** Lets every held answer, and every later one, go. */
    void release() {
        gate.countDown();
    }

    @Override
    public void close() {
        gate.countDown();
        http.shutdownNow();
        callers.shutdownNow();
        server.close();
    }
}
