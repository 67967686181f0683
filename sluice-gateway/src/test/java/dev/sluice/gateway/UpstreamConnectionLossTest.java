package dev.sluice.gateway;

import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP/2 upstream connection that carries many streams and is lost (the upstream closed it, or reset it for too
 * many resets): every stream on it fails at once. Each caller gets the in-band error of a broken stream, the gateway
 * lives on, and the loss is one failure for the circuit breaker (not one per stream: the circuit stays closed and the
 * next caller is served on a new connection). It once answered each failed stream by resetting it on the dead connection, whose write failed
 * and failed the connection's next stream from inside the first one's handler: one stack frame chain per stream,
 * until a StackOverflowError, which (a VirtualMachineError) halted the process.
 */
class UpstreamConnectionLossTest {
    private static final int STREAMS = 800;

    @TempDir
    Path dir;

    @Test
    void everyStreamOfALostConnectionEndsInBandAndTheGatewayLivesOn() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            SimulatorServer sim = await(SimulatorServer.start(vertx, SimulatorOptions.defaults()));
            int simPort = URI.create(sim.baseUrl()).getPort();
            List<NetSocket> open = new CopyOnWriteArrayList<>();
            NetServer cutter = await(vertx.createNetServer().connectHandler(caller -> { // the simulator behind a wire we can cut
                caller.pause();
                vertx.createNetClient().connect(simPort, "127.0.0.1").onSuccess(upstream -> {
                    open.add(caller);
                    open.add(upstream);
                    caller.pipeTo(upstream);
                    upstream.pipeTo(caller);
                    caller.resume();
                });
            }).listen(0, "127.0.0.1"));
            try (TestGateway gw = gateway("m-h2c", "{name: cut-h2c, provider: openai, model: sim-mini, base_url: "
                    + "\"http://127.0.0.1:" + cutter.actualPort() + "/v1\", api_key_env: UP_KEY, max_connections: 1,"
                    + " max_streams: 1000, http2: h2c}")) {
                HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
                        .setDefaultPort(gw.gateway.port()), new PoolOptions().setHttp1MaxSize(STREAMS));
                AtomicInteger streaming = new AtomicInteger();
                List<Future<String>> bodies = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) bodies.add(stream(client, streaming));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (streaming.get() < STREAMS && System.nanoTime() < deadline) Thread.sleep(20);
                assertThat(streaming.get()).as("streams under way on the one upstream connection").isEqualTo(STREAMS);

                for (NetSocket s : open) s.close(); // the upstream connection is lost with every stream on it

                List<String> ends = new ArrayList<>();
                for (Future<String> body : bodies) {
                    ends.add(body.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
                }
                for (String body : ends) {
                    assertThat(body).as("an in-band error, no terminator").contains("\"error\":{")
                            .contains("\"code\":\"bad_gateway\"").doesNotContain("[DONE]");
                }
                // the loss was one failure for the breaker, not 800: the next caller is served on a new connection
                HttpResponse<String> after = gw.post("/v1/chat/completions", chat("m-h2c", null));
                assertThat(after.statusCode()).as("the gateway lives on: " + after.body()).isEqualTo(200);
                assertThat(metrics(gw))
                        .contains("sluice_circuit_breaker_state{deployment=\"cut-h2c\",model=\"m-h2c\"} 0.0");
                assertThat(gw.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + gw.gateway.adminPort() + "/health/live")).build()).statusCode()).isEqualTo(200);
            }
        } finally {
            await(vertx.close());
        }
    }

    @Test
    void streamsResetOneByOneOnAConnectionThatStaysUpStillEachCountForTheBreaker() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            AtomicInteger reset = new AtomicInteger();
            io.vertx.core.http.HttpServer resetting = await(vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
                    .setHttp2ClearTextEnabled(true)).requestHandler(req -> {
                        reset.incrementAndGet();
                        req.response().reset(); // RST_STREAM; the connection stays up
                    }).listen(0, "127.0.0.1"));
            try (TestGateway gw = gateway("m-rst", "{name: rst-h2c, provider: openai, model: up, base_url: "
                    + "\"http://127.0.0.1:" + resetting.actualPort() + "/v1\", api_key_env: UP_KEY, max_connections: 1,"
                    + " http2: h2c}")) {
                for (int i = 0; i < 8; i++) gw.post("/v1/chat/completions", chat("m-rst", null));
                assertThat(reset.get()).as("attempts, all reset on the one connection").isGreaterThanOrEqualTo(5);
                assertThat(metrics(gw))
                        .as("each reset was a failure: the circuit opened")
                        .contains("sluice_circuit_breaker_state{deployment=\"rst-h2c\",model=\"m-rst\"} 2.0");
            }
        } finally {
            await(vertx.close());
        }
    }

    /**
     * A gateway with one public event loop serving one model on {@code deployment}, an OpenAI-compatible upstream
     * whose key is in {@code UP_KEY} (the OpenAI adapter: the sim adapter does not tell the breaker of requests with
     * simulator directives).
     */
    private TestGateway gateway(String model, String deployment) {
        String yaml = """
                simulator:
                  enabled: false
                server:
                  event_loops: 1
                slow_down: {enabled: false}
                models:
                %s""".formatted(UpstreamResilienceTest.model(model, deployment));
        return TestGateway.builder(dir).config(yaml).env(java.util.Map.of("UP_KEY", "sk-up")).start();
    }

    private static String metrics(TestGateway gw) {
        return gw.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort()
                + "/metrics")).build()).body();
    }

    /** A slow stream (2 tokens a second): completes with its whole body; counts itself once its first bytes came. */
    private static Future<String> stream(HttpClient client, AtomicInteger streaming) {
        String body = "{\"model\":\"m-h2c\",\"stream\":true,\"max_tokens\":100,\"metadata\":{\"sluice_sim\":"
                + "\"tokens=100;tps=2\"},\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story.\"}]}";
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
                        .putHeader("content-type", "application/json")
                        .putHeader("authorization", "Bearer " + TestGateway.DEMO_KEY))
                .compose(req -> req.send(body)).compose(resp -> {
                    Buffer all = Buffer.buffer();
                    io.vertx.core.Promise<String> done = io.vertx.core.Promise.promise();
                    boolean[] counted = {false};
                    resp.handler(chunk -> {
                        if (!counted[0]) {
                            counted[0] = true;
                            streaming.incrementAndGet();
                        }
                        all.appendBuffer(chunk);
                    });
                    resp.exceptionHandler(done::tryFail);
                    resp.endHandler(v -> done.tryComplete(all.toString()));
                    return done.future();
                });
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
