package dev.sluice.gateway;

import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's own connections to an upstream are a local limit: when they are all busy and none frees within
 * {@code upstream_pool.wait_ms}, the caller gets 503 upstream_capacity with retry-after (never the upstream's 504
 * upstream_timeout), the upstream is not asked, and the refusal is counted; over HTTP/2 (h2c to the simulator) many
 * requests share one connection.
 */
class UpstreamCapacityTest {
    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer sim;
    static TestGateway gw;
    /** Accepts connections and never says a word: an HTTP/2 connection to it is never ready. */
    static java.net.ServerSocket silent;
    static final List<java.net.Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
    /**
     * The simulator behind a door that lets only the first connection through: every later connection is accepted
     * and never answered (an upstream slow to take a new connection while its first one works).
     */
    static io.vertx.core.net.NetServer firstOnly;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) accepted.add(silent.accept());
            } catch (java.io.IOException closed) {
                // the test is over
            }
        });
        int simPort = URI.create(sim.baseUrl()).getPort();
        java.util.concurrent.atomic.AtomicInteger doors = new java.util.concurrent.atomic.AtomicInteger();
        firstOnly = await(vertx.createNetServer().connectHandler(caller -> {
            if (doors.incrementAndGet() > 1) return; // accepted, never answered
            caller.pause();
            vertx.createNetClient().connect(simPort, "127.0.0.1").onSuccess(upstream -> {
                caller.pipeTo(upstream);
                upstream.pipeTo(caller);
                caller.resume();
            });
        }).listen(0, "127.0.0.1"));
        String base = "base_url: \"" + sim.baseUrl() + "\"";
        String yaml = """
                simulator:
                  enabled: false
                server:
                  event_loops: 1
                upstream_timeouts:
                  connect_ms: 1000
                  first_byte_ms: 30000
                  idle_ms: 30000
                  total_ms: 60000
                upstream_pool:
                  wait_ms: 300
                models:
                %s%s%s%s%s""".formatted(
                UpstreamResilienceTest.model("m-off", "{name: one-h1, provider: sim, model: sim-mini, " + base
                        + ", max_connections: 1, http2: \"off\"}"),
                UpstreamResilienceTest.model("m-h2c", "{name: one-h2c-stream, provider: sim, model: sim-mini, " + base
                        + ", max_connections: 1, max_streams: 1, http2: h2c}"),
                UpstreamResilienceTest.model("m-mux", "{name: one-h2c-conn, provider: sim, model: sim-mini, " + base
                        + ", max_connections: 1, max_streams: 50, http2: h2c}"),
                UpstreamResilienceTest.model("m-silent", "{name: silent-h2c, provider: sim, model: sim-mini, "
                        + "base_url: \"http://127.0.0.1:" + silent.getLocalPort() + "/v1\", max_connections: 1,"
                        + " http2: h2c}"),
                UpstreamResilienceTest.model("m-half", "{name: half-h2c, provider: sim, model: sim-mini, "
                        + "base_url: \"http://127.0.0.1:" + firstOnly.actualPort() + "/v1\", max_connections: 2,"
                        + " max_streams: 1, http2: h2c}"));
        gw = TestGateway.builder(dir).config(yaml).start();
        for (String m : List.of("m-off", "m-h2c", "m-mux", "m-half")) { // opens each pool's connection (a cold JVM is slow at it)
            assertThat(gw.post("/v1/chat/completions", chat(m, null)).statusCode()).isEqualTo(200);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        silent.close();
        await(firstOnly.close());
        for (java.net.Socket s : accepted) s.close();
        gw.close();
        await(sim.close());
        await(vertx.close());
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    CompletableFuture<HttpResponse<String>> async(String model, String directive) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(java.time.Duration.ofSeconds(20)).header("content-type", "application/json")
                .header("authorization", "Bearer " + TestGateway.DEMO_KEY).header("x-sluice-sim", directive)
                .POST(HttpRequest.BodyPublishers.ofString(chat(model, null))).build();
        return gw.http.sendAsync(r, HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"m-off", "m-h2c"})
    void aFullUpstreamPoolAnswersUpstreamCapacityNotTimeoutWithoutAskingTheUpstream(String model) throws Exception {
        String deployment = model.equals("m-off") ? "one-h1" : "one-h2c-stream";
        double before = refusals(deployment);
        long received = sim.requestsReceived();
        CompletableFuture<HttpResponse<String>> holder = async(model, "delay_ms=1500");
        awaitSimInFlight(1);

        HttpResponse<String> refused = gw.post("/v1/chat/completions", chat(model, null));

        assertError(refused, 503, "server_error", "upstream_capacity", null, true);
        assertThat(refused.headers().firstValue("retry-after")).contains("1");
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(sim.requestsReceived() - received).as("the refused request never reached the upstream").isEqualTo(1);
        assertThat(refusals(deployment)).isEqualTo(before + 1);
    }

    /**
     * A pool whose first connection never becomes ready (the upstream accepts the TCP connection and never answers
     * the HTTP/2 preface; a stalled machine looks the same) is not full: nothing holds its connections. When the
     * wait for that connection runs out the caller gets the upstream's 504 upstream_timeout, which may be retried
     * or failed over, not the gateway's own 503 upstream_capacity, and no capacity refusal is counted.
     */
    @Test
    void aConnectionThatNeverBecomesReadyIsTheUpstreamsTimeoutNotAFullPool() throws Exception {
        double before = refusals("silent-h2c");

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("m-silent", null));

        assertError(r, 504, "server_error", "upstream_timeout", null, true);
        assertThat(accepted).as("the upstream was reached").isNotEmpty();
        assertThat(refusals("silent-h2c")).isEqualTo(before);
    }

    /**
     * A pool with room for a second connection, whose first connection is busy and whose second is being opened (the
     * upstream takes it and never answers), is not full either: the wait that runs out was a wait for the upstream
     * to take a new connection, so the caller gets its 504 upstream_timeout (retried meanwhile, as the upstream's
     * timeouts are: the first connection stays busy through every attempt), and no capacity refusal is counted,
     * while the request on the first connection is answered.
     */
    @Test
    void aPoolWithRoomWhoseNewConnectionNeverBecomesReadyIsTheUpstreamsTimeout() throws Exception {
        double before = refusals("half-h2c");
        CompletableFuture<HttpResponse<String>> holder = async("m-half", "delay_ms=8000");
        awaitSimInFlight(1);

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("m-half", null));

        assertError(r, 504, "server_error", "upstream_timeout", null, true);
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(refusals("half-h2c")).isEqualTo(before);
    }

    @Test
    void overH2cManyRequestsShareOneConnection() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) calls.add(async("m-mux", "delay_ms=500"));
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            assertThat(c.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(refusals("one-h2c-conn")).isZero();
    }

    private void awaitSimInFlight(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sim.inFlight() < n && System.nanoTime() < deadline) Thread.onSpinWait();
        assertThat(sim.inFlight()).isGreaterThanOrEqualTo(n);
    }

    private double refusals(String deployment) {
        String metrics = gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort()
                + "/metrics")).build()).body();
        String prefix = "sluice_upstream_capacity_refusals_total{deployment=\"" + deployment + "\"} ";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(
                l.substring(prefix.length()).trim())).findFirst().orElse(0);
    }
}
