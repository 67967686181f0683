package dev.sluice.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The floor proxies over real HTTP on loopback, in front of a real upstream that records what reached it. */
class FloorProxyTest {
    private Vertx vertx;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Answers 201 with a body of its own, after noting the protocol, path, two headers and body it got. */
    private int upstream() throws Exception {
        return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            seen.add(req.version() + " " + req.method() + " " + req.uri() + " " + req.getHeader("authorization") + " "
                    + req.getHeader("content-type") + " " + b);
            req.response().setStatusCode(201).putHeader("content-type", "application/json; charset=utf-8")
                    .putHeader("x-upstream-only", "1").end("{\"answer\":" + b.length() + "}");
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    private static FloorProxy.Running proxy(String kind, int upstreamPort) throws Exception {
        return kind.equals("vertx") ? FloorProxy.vertx(0, upstreamPort, 2, false) : FloorProxy.netty(0, upstreamPort, 2);
    }

    private HttpResponse<String> post(int port, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("authorization", "Bearer sk-floor").header("content-type", "application/json")
                .header("x-caller-only", "1").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vertx", "netty"})
    void passesPathBodyAndTheTwoHeadersThroughAndTheAnswerBack(String kind) throws Exception {
        int up = upstream();
        try (FloorProxy.Running p = proxy(kind, up)) {
            for (int i = 0; i < 3; i++) { // the same keep-alive connection, and a reused upstream connection
                HttpResponse<String> r = post(p.port(), "/v1/chat/completions?x=" + i, "{\"n\":" + i + "}");

                assertThat(r.statusCode()).isEqualTo(201);
                assertThat(r.body()).isEqualTo("{\"answer\":7}");
                assertThat(r.headers().firstValue("content-type")).contains("application/json; charset=utf-8");
                assertThat(r.headers().firstValue("x-upstream-only")).isEmpty();
            }
        }
        String protocol = kind.equals("vertx") ? HttpVersion.HTTP_2.toString() : HttpVersion.HTTP_1_1.toString();
        assertThat(seen).containsExactly(
                protocol + " POST /v1/chat/completions?x=0 Bearer sk-floor application/json {\"n\":0}",
                protocol + " POST /v1/chat/completions?x=1 Bearer sk-floor application/json {\"n\":1}",
                protocol + " POST /v1/chat/completions?x=2 Bearer sk-floor application/json {\"n\":2}");
    }

    /** The Vert.x floor passes a stream on as it comes: the caller reads the first event before the upstream sends the rest. */
    @org.junit.jupiter.api.Test
    void theVertxFloorPassesAStreamOnPieceByPiece() throws Exception {
        java.util.concurrent.CompletableFuture<Void> firstRead = new java.util.concurrent.CompletableFuture<>();
        int up = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            req.response().setChunked(true).putHeader("content-type", "text/event-stream");
            req.response().write("data: one\n\n");
            vertx.executeBlocking(() -> firstRead.get(5, TimeUnit.SECONDS)).onComplete(done -> {
                if (done.succeeded()) req.response().end("data: two\n\ndata: [DONE]\n\n");
                else req.response().reset(); // the first event never reached the caller on its own
            });
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        try (FloorProxy.Running p = proxy("vertx", up)) {
            HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + p.port() + "/v1/chat/completions"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            List<String> lines = new java.util.ArrayList<>();
            java.util.Iterator<String> it = r.body().iterator();
            lines.add(it.next());
            firstRead.complete(null); // only now does the upstream send the rest
            it.forEachRemaining(lines::add);

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).contains("text/event-stream");
            assertThat(lines).containsExactly("data: one", "", "data: two", "", "data: [DONE]", "");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vertx", "netty"})
    void anUpstreamThatIsNotThereIs502(String kind) throws Exception {
        int nobody = Children.freePort(); // free: nothing listens there
        try (FloorProxy.Running p = proxy(kind, nobody)) {
            assertThat(post(p.port(), "/v1/chat/completions", "{}").statusCode()).isEqualTo(502);
        }
    }
}
