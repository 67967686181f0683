package dev.sluice.cli;

import dev.sluice.testing.ScriptedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to a real {@code sluice serve} child JVM with 200 streams and 200 plain requests in flight: readiness turns
 * false at once, the listener takes no new connection, requests that can finish within {@code shutdown.drain_ms}
 * finish, streams that cannot end at the deadline with the in-band {@code server_shutting_down} event (chat and
 * Responses forms), the usage ledger in the SQLite file holds a record of every request, and the process exits 0.
 */
class GracefulDrainTest {
    static final int PLAIN = 200, SHORT_STREAMS = 100, LONG_STREAMS = 100;

    @TempDir
    Path dir;

    /** One request's outcome as the client saw it. */
    record Seen(String kind, int status, String requestId, String shouldRetry, String body) {}

    /** How long the test waits for a state of the child: a bound for a hang, not a speed. */
    static final long BOUND_SECONDS = 180;
    static final String CHUNK = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}";
    static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"up\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

    @Test
    void sigtermDrainsInFlightRequestsCutsLongStreamsInBandWritesTheWholeLedgerAndExitsZero() throws Exception {
        // Plain calls and short streams go to model 'held', whose upstream (here, in the test) holds every answer
        // until the drain has begun: however long 400 requests take to get in flight on a loaded machine, none can
        // finish before SIGTERM, and all can finish inside the drain once released. Long streams (sim-mini, hours of
        // tokens at 2 a second) cannot and are cut at the drain's deadline.
        CountDownLatch go = new CountDownLatch(1);
        Semaphore arrived = new Semaphore(0);
        try (ScriptedServer held = ScriptedServer.start().route(request -> {
            arrived.release();
            try {
                if (!go.await(BOUND_SECONDS, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return request.bodyText().contains("\"stream\":true")
                    ? ScriptedServer.Reply.sse("data: " + CHUNK + "\n\n", "data: " + CHUNK + "\n\n", "data: [DONE]\n\n")
                    : ScriptedServer.Reply.json(200, COMPLETION);
        })) {
            drain(held, go, arrived);
        }
    }

    private void drain(ScriptedServer heldUpstream, CountDownLatch go, Semaphore arrived) throws Exception {
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, String.join("\n",
                "port: 0", "admin_port: 0", "data_dir: " + dir.resolve("data"),
                "log: {format: json}",
                // long enough for the test to see readiness turn false and the listener close, then release the
                // held answers; the long streams hold the drain until this deadline
                "shutdown: {drain_ms: 15000}",
                "simulator: {tokens_per_second: 0}",
                "overload: {enabled: false}",
                "slow_down: {enabled: false}",
                "server: {warmup: {enabled: false}}",
                // 300 connections to the test's HTTP/1.1 upstream, accepted slowly on a busy machine: connecting and
                // the wait for a connection get room, and the held first byte is never cut by first_byte_ms; a long
                // stream is cut by the drain, never by idle_ms (a starved test client reading 100 streams slowly
                // holds the gateway's reads from the simulator back: one was cut as idle after 30 s)
                "upstream_pool: {wait_ms: 120000}",
                "upstream_timeouts: {connect_ms: 30000, first_byte_ms: 600000, idle_ms: 600000}",
                "circuit_breaker: {failure_threshold: 100000}",
                "models:",
                "  - {id: sim-mini, family: sim-mini, modality: chat, context_window: 16384, max_output_tokens: 4096,"
                        + " tokenizer: o200k_base, price: {input_per_1m: 0.15, output_per_1m: 0.60},"
                        + " deployments: [{name: sim, provider: sim}]}",
                "  - {id: held, family: held, modality: chat, context_window: 16384, max_output_tokens: 4096,"
                        + " tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: up,"
                        + " provider: openai, model: up, base_url: \"" + heldUpstream.baseUrl() + "\", api_key_env: UP_KEY}]}",
                ""));
        try (ServeChild serve = ServeChild.start(config, Map.of("UP_KEY", "sk-up-test"))) {
            Process child = serve.process;
            List<String> output = serve.output;
            String base = serve.base, admin = serve.admin;
            assertThat(admin).as("admin url in the banner").isNotNull();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            assertThat(get(http, admin + "/health/ready").statusCode()).isEqualTo(200);

            List<CompletableFuture<Seen>> all = new ArrayList<>();
            for (int i = 0; i < PLAIN; i++) {
                all.add(send(http, base, "plain", chat("held", i, false), null, "/v1/chat/completions"));
            }
            for (int i = 0; i < SHORT_STREAMS; i++) {
                all.add(send(http, base, "short-stream", chat("held", i, true), null, "/v1/chat/completions"));
            }
            for (int i = 0; i < LONG_STREAMS; i++) {
                boolean responses = i % 2 == 1;
                all.add(send(http, base, responses ? "long-responses" : "long-chat",
                        responses ? responsesBody(i) : chat("sim-mini", i, true), "tokens=100000;tps=2",
                        responses ? "/v1/responses" : "/v1/chat/completions"));
            }
            int total = all.size();
            // Everything is in flight (the gateway counts it, the held ones have reached their upstream) before the
            // signal: nothing can have finished, the held answers wait for the test and the long streams for hours.
            assertThat(arrived.tryAcquire(PLAIN + SHORT_STREAMS, BOUND_SECONDS, TimeUnit.SECONDS))
                    .as("held requests at their upstream: " + heldUpstream.requests().size()).isTrue();
            await("requests in flight before SIGTERM", () -> inFlight(http, admin) >= total);
            assertThat(all.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join).toList())
                    .as("finished before SIGTERM").isEmpty();
            child.destroy(); // SIGTERM

            await("readiness turns false", () -> get(http, admin + "/health/ready").statusCode() != 200);
            int readiness = get(http, admin + "/health/ready").statusCode();
            long unfinishedWhenNotReady = all.stream().filter(f -> !f.isDone()).count();
            assertThat(readiness).as("readiness during the drain").isEqualTo(503);
            assertThat(unfinishedWhenNotReady).as("requests still running when readiness turned false")
                    .isGreaterThanOrEqualTo(LONG_STREAMS);
            // The listener closes (asynchronously, within moments) and takes no new connection while the old drain.
            await("a new connection during the drain is refused",
                    () -> refused(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), base));
            assertThat(all.stream().filter(f -> !f.isDone()).count()).as("streams still draining")
                    .isGreaterThanOrEqualTo(LONG_STREAMS);
            go.countDown(); // the held answers come now, inside the drain

            List<Seen> seen = new ArrayList<>();
            for (CompletableFuture<Seen> f : all) seen.add(f.get(BOUND_SECONDS, TimeUnit.SECONDS));
            assertThat(child.waitFor(BOUND_SECONDS, TimeUnit.SECONDS)).as("child exits").isTrue();
            assertThat(child.exitValue()).as("exit code; output:\n" + String.join("\n", output)).isZero();

            // Each one either completed or was cut at the deadline with the error of the contract, never silently.
            Set<String> sawCompleted = new HashSet<>(), sawCut = new HashSet<>();
            for (Seen s : seen) {
                assertThat(s.requestId()).as(s.kind()).isNotNull();
                // Cut before its first byte (e.g. still waiting for an upstream connection): an ordinary HTTP error.
                boolean cut = s.status() == 503 ? assertCutBeforeFirstByte(s) : switch (s.kind()) {
                    case "plain" -> {
                        assertThat(s.status()).as(s.body()).isEqualTo(200);
                        assertThat(s.body()).contains("\"chat.completion\"");
                        yield false;
                    }
                    case "short-stream", "long-chat" -> {
                        assertThat(s.status()).as(s.body()).isEqualTo(200);
                        if (s.body().endsWith("data: [DONE]\n\n")) yield false;
                        assertThat(s.body()).as(s.kind()).doesNotContain("[DONE]").endsWith(chatCut(s.requestId()));
                        yield true;
                    }
                    case "long-responses" -> {
                        assertThat(s.status()).as(s.body()).isEqualTo(200);
                        assertThat(s.body()).doesNotContain("response.completed")
                                .contains("event: error\ndata: {\"type\":\"error\",\"code\":\"server_shutting_down\"")
                                .contains("event: response.failed\n");
                        yield true;
                    }
                    default -> throw new AssertionError(s.kind());
                };
                (cut ? sawCut : sawCompleted).add(s.requestId());
                if (s.kind().startsWith("long")) assertThat(cut).as("a 40 s stream cannot fit a 5 s drain").isTrue();
            }
            assertThat(sawCompleted).as("requests in flight at SIGTERM that finished during the drain").isNotEmpty();
            // Every request has its usage record in the SQLite ledger, with the outcome it had.
            Set<String> completed = new HashSet<>(), failed = new HashSet<>();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/sluice.db"));
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT request_id, outcome, error_code FROM usage_ledger")) {
                while (rs.next()) {
                    if ("completed".equals(rs.getString(2))) completed.add(rs.getString(1));
                    else if ("server_shutting_down".equals(rs.getString(3))) failed.add(rs.getString(1));
                }
            }
            assertThat(completed).as("ledger: completed requests").isEqualTo(sawCompleted);
            assertThat(failed).as("ledger: requests cut by the drain").isEqualTo(sawCut);
            assertThat(completed.size() + failed.size()).isEqualTo(total);
        }
    }

    /** The chat in-band cut: an {@code event: error} line, then the error whose message names the request id. */
    static String chatCut(String requestId) {
        return "event: error\ndata: {\"error\":{\"message\":\"The server is shutting down and could not "
                + "finish this request; please retry it." + dev.sluice.protocol.RequestIds.messageSuffix(requestId)
                + "\",\"type\":\"server_error\",\"param\":null,\"code\":\"server_shutting_down\"}}\n\n";
    }

    /** A request the deadline cut before its answer started: the error contract, retryable. */
    private static boolean assertCutBeforeFirstByte(Seen s) {
        assertThat(s.shouldRetry()).isEqualTo("true");
        assertThat(s.body()).isEqualTo("{\"error\":{\"message\":\"The server is shutting down and could not finish "
                + "this request; please retry it." + dev.sluice.protocol.RequestIds.messageSuffix(s.requestId())
                + "\",\"type\":\"server_error\",\"param\":null,\"code\":\"server_shutting_down\"}}");
        return true;
    }

    /** Until {@code condition} holds (a bound for a hang, not a speed). */
    static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (!condition.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("never: " + what);
            Thread.sleep(10);
        }
    }

    private static String chat(String model, int i, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"drain "
                + i + "\"}]}";
    }

    private static String responsesBody(int i) {
        return "{\"model\":\"sim-mini\",\"stream\":true,\"input\":\"drain " + i + "\"}";
    }

    private static CompletableFuture<Seen> send(HttpClient http, String base, String kind, String body, String sim,
                                                String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(BOUND_SECONDS))
                .header("authorization", "Bearer " + ServeChild.DEMO_KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (sim != null) b.header("x-sluice-sim", sim);
        HttpRequest r = b.build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofString()).thenApply(resp -> new Seen(kind,
                resp.statusCode(), resp.headers().firstValue("x-request-id").orElse(null),
                resp.headers().firstValue("x-should-retry").orElse(null), resp.body()));
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int inFlight(HttpClient http, String admin) throws Exception {
        for (String line : get(http, admin + "/metrics").body().split("\n")) {
            if (line.startsWith("sluice_requests_in_flight ")) return (int) Double.parseDouble(line.substring(26));
        }
        return -1;
    }

    private static boolean refused(HttpClient http, String base) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                    .timeout(Duration.ofSeconds(60)).header("authorization", "Bearer " + ServeChild.DEMO_KEY).build(),
                    HttpResponse.BodyHandlers.ofString());
            // Served in the moment before the listener closed: it must at least close the connection.
            assertThat(r.headers().firstValue("connection")).hasValue("close");
            return false;
        } catch (IOException e) {
            return e instanceof java.net.ConnectException || e.getCause() instanceof java.net.ConnectException;
        }
    }
}
