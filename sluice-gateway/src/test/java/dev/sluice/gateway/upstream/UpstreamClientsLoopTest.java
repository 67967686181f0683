package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.config.choice.Http2Mode;
import dev.sluice.gateway.models.Deployment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.impl.HttpClientConnectionInternal;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request and its upstream connection live on one event loop: each loop's requests go out on connections that
 * loop owns (no hand-off to another loop's thread to write the request and back to read the answer).
 */
class UpstreamClientsLoopTest {
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(value = Http2Mode.class, names = {"OFF", "H2C"})
    void eachLoopsRequestsGoOutOnConnectionsOfThatLoop(Http2Mode mode) throws Exception {
        HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setHttp2ClearTextEnabled(true))
                .requestHandler(r -> r.response().end("ok"));
        int port = server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        String base = "http://127.0.0.1:" + port + "/v1";
        Deployment d = new Deployment("d", "openai", base, null, null, 0, null, null, null, null, false, 1, 100, mode);
        try (UpstreamClients clients = new UpstreamClients(vertx, new SluiceConfig.UpstreamPool(4, 100, 1000, 100),
                2000, new SimpleMeterRegistry(), 2)) {
            VertxInternal vi = (VertxInternal) vertx;
            Context a = vi.createEventLoopContext(), b = vi.createEventLoopContext();
            while (((ContextInternal) b).nettyEventLoop() == ((ContextInternal) a).nettyEventLoop()) {
                b = vi.createEventLoopContext();
            }
            for (Context caller : new Context[] {a, b, a, b}) {
                CompletableFuture<Boolean> sameLoop = new CompletableFuture<>();
                caller.runOnContext(v -> {
                    HttpClient client = clients.of(d, base, false).client();
                    client.request(UpstreamClients.requestOptions(base + "/chat/completions")
                                    .setMethod(HttpMethod.POST))
                            .compose(req -> {
                                var conn = (HttpClientConnectionInternal) req.connection();
                                sameLoop.complete(conn.context().nettyEventLoop()
                                        == ((ContextInternal) caller).nettyEventLoop());
                                return req.send("{}");
                            })
                            .onFailure(sameLoop::completeExceptionally);
                });
                assertThat(sameLoop.get(10, TimeUnit.SECONDS)).as("connection on the caller's loop").isTrue();
            }
            assertThat(clients.pools()).isEqualTo(2);
        }
    }
}
