package dev.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    @Test
    void sigtermDrainsInFlightRequestsCutsLongStreamsInBandWritesTheWholeLedgerAndExitsZero() throws Exception {
        // Plain calls take 0.5 s upstream and short streams 0.8 s: they can finish inside the 5 s drain (the gateway
        // has 256 upstream connections, the long streams hold 100); long streams (40 s) cannot and are cut.
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, String.join("\n",
                "port: 0", "admin_port: 0", "data_dir: " + dir.resolve("data"),
                "log: {format: json}",
                "shutdown: {drain_ms: 5000}",
                "simulator: {tokens_per_second: 0}",
                "overload: {enabled: false}",
                "slow_down: {enabled: false}",
                "server: {warmup: {enabled: false}}", ""));
        try (ServeChild serve = ServeChild.start(config)) {
            Process child = serve.process;
            List<String> output = serve.output;
            String base = serve.base, admin = serve.admin;
            assertThat(admin).as("admin url in the banner").isNotNull();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertThat(get(http, admin + "/health/ready").statusCode()).isEqualTo(200);

            List<CompletableFuture<Seen>> all = new ArrayList<>();
            for (int i = 0; i < PLAIN; i++) {
                all.add(send(http, base, "plain", chat(i, false), "delay_ms=500;tokens=5", "/v1/chat/completions"));
            }
            for (int i = 0; i < SHORT_STREAMS; i++) {
                all.add(send(http, base, "short-stream", chat(i, true), "tokens=8;tps=10", "/v1/chat/completions"));
            }
            for (int i = 0; i < LONG_STREAMS; i++) {
                boolean responses = i % 2 == 1;
                all.add(send(http, base, responses ? "long-responses" : "long-chat",
                        responses ? responsesBody(i) : chat(i, true), "tokens=400;tps=10",
                        responses ? "/v1/responses" : "/v1/chat/completions"));
            }
            int total = all.size();
            // Everything is in flight (the gateway counts it) before the signal.
            for (int polls = 0; inFlight(http, admin) < total; polls++) {
                assertThat(polls).as("requests in flight before SIGTERM").isLessThan(300);
                Thread.sleep(50);
            }
            child.destroy(); // SIGTERM

            int readiness = 200;
            for (int polls = 0; readiness == 200 && polls < 200; polls++) {
                readiness = get(http, admin + "/health/ready").statusCode();
                if (readiness == 200) Thread.sleep(10);
            }
            long unfinishedWhenNotReady = all.stream().filter(f -> !f.isDone()).count();
            assertThat(readiness).as("readiness during the drain").isEqualTo(503);
            assertThat(unfinishedWhenNotReady).as("requests still running when readiness turned false")
                    .isGreaterThanOrEqualTo(LONG_STREAMS);
            // The listener closes (asynchronously, within moments) and takes no new connection while the old drain.
            boolean refused = false;
            for (int tries = 0; !refused && tries < 50; tries++) {
                refused = refused(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), base);
            }
            assertThat(refused).as("a new connection during the drain is refused").isTrue();
            assertThat(all.stream().filter(f -> !f.isDone()).count()).as("streams still draining")
                    .isGreaterThanOrEqualTo(LONG_STREAMS);

            List<Seen> seen = new ArrayList<>();
            for (CompletableFuture<Seen> f : all) seen.add(f.get(30, TimeUnit.SECONDS));
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child exits").isTrue();
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

    private static String chat(int i, boolean stream) {
        return "{\"model\":\"sim-mini\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"drain "
                + i + "\"}]}";
    }

    private static String responsesBody(int i) {
        return "{\"model\":\"sim-mini\",\"stream\":true,\"input\":\"drain " + i + "\"}";
    }

    private static CompletableFuture<Seen> send(HttpClient http, String base, String kind, String body, String sim,
                                                String path) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + ServeChild.DEMO_KEY).header("content-type", "application/json")
                .header("x-sluice-sim", sim).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofString()).thenApply(resp -> new Seen(kind,
                resp.statusCode(), resp.headers().firstValue("x-request-id").orElse(null),
                resp.headers().firstValue("x-should-retry").orElse(null), resp.body()));
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
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
                    .timeout(Duration.ofSeconds(5)).header("authorization", "Bearer " + ServeChild.DEMO_KEY).build(),
                    HttpResponse.BodyHandlers.ofString());
            // Served in the moment before the listener closed: it must at least close the connection.
            assertThat(r.headers().firstValue("connection")).hasValue("close");
            return false;
        } catch (IOException e) {
            return e instanceof java.net.ConnectException || e.getCause() instanceof java.net.ConnectException;
        }
    }
}
