package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.config.choice.Http2Mode;
import dev.sluice.gateway.models.Deployment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.net.impl.ConnectionBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upstream requests one event loop sends in one turn (while it reads its callers) leave on their shared HTTP/2
 * connection (h2c, or TLS with ALPN) in one socket write, each still whole and answered; an HTTP/1.1 connection is
 * left as Vert.x makes it.
 */
class FlushBatchingTest {
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** An upstream that answers each request with its own body. */
    private String echo(HttpServerOptions options) throws Exception {
        HttpServer server = vertx.createHttpServer(options)
                .requestHandler(r -> r.body().onSuccess(b -> r.response().end(b)));
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
        return "http://127.0.0.1:" + port + "/v1";
    }

    private static Deployment deployment(String base, Http2Mode mode) {
        return new Deployment("d", "openai", base, null, null, 0, null, null, null, null, false, 1, 100, mode);
    }

    private static Future<String> post(HttpClient client, String base, String body) {
        return client.request(UpstreamClients.requestOptions(base + "/chat/completions").setMethod(HttpMethod.POST))
                .compose(req -> req.send(Buffer.buffer(body)))
                .compose(HttpClientResponse::body)
                .map(Buffer::toString);
    }

    @Test
    void requestsSentInOneTurnOfTheLoopGoOutInOneWriteAndEachGetsItsAnswer() throws Exception {
        String base = echo(new HttpServerOptions().setHttp2ClearTextEnabled(true));
        Deployment d = deployment(base, Http2Mode.H2C);
        try (UpstreamClients clients = new UpstreamClients(vertx, new SluiceConfig.UpstreamPool(1, 1000, 1000, 1000),
                2000, new SimpleMeterRegistry(), 1)) {
            assertOneTurnIsBatched(() -> clients.of(d, base, false).client(), base);
        }
    }

    /** Over TLS (HTTP/2 by ALPN) the batching sits below the encryption, so the encrypted records are batched too. */
    @Test
    void overTlsTheBatchingSitsBelowTheEncryption() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.create();
        String base = echo(new HttpServerOptions().setSsl(true).setUseAlpn(true)
                .setKeyCertOptions(cert.keyCertOptions())).replace("http://", "https://");
        HttpClient client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true).setSsl(true)
                        .setTrustAll(true).setVerifyHost(false))
                .with(new PoolOptions().setHttp2MaxSize(1))
                .withConnectHandler(FlushBatching::install).build();
        List<String> names = assertOneTurnIsBatched(() -> client, base);
        assertThat(names.indexOf("sluice-flush-batching")).as("pipeline %s", names)
                .isGreaterThanOrEqualTo(0).isLessThan(names.indexOf("ssl"));
    }

    /**
     * One request on {@code client} opens its connection, and a counter of the flushes that reach the socket is put
     * next to it; then 50 requests sent in one task must each get their own answer, in fewer than 10 socket flushes
     * (without the batching, one or more each). Returns the connection's pipeline as it was before the counter.
     */
    private List<String> assertOneTurnIsBatched(java.util.function.Supplier<HttpClient> clients, String base)
            throws Exception {
        Context loop = vertx.getOrCreateContext();
        AtomicInteger socketFlushes = new AtomicInteger();
        List<String> pipeline = new ArrayList<>();
        String first = call(loop, () -> clients.get().request(UpstreamClients.requestOptions(base + "/chat/completions")
                .setMethod(HttpMethod.POST)).compose(req -> {
                    var ch = ((ConnectionBase) req.connection()).channel();
                    pipeline.addAll(ch.pipeline().names());
                    assertThat(ch.pipeline().get(FlushConsolidationHandler.class)).isNotNull();
                    ch.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                        @Override
                        public void flush(ChannelHandlerContext ctx) {
                            socketFlushes.incrementAndGet();
                            ctx.flush();
                        }
                    });
                    return req.send(Buffer.buffer("first"));
                }).compose(HttpClientResponse::body).map(Buffer::toString));
        assertThat(first).isEqualTo("first");
        int before = socketFlushes.get();

        int n = 50;
        List<String> answers = call(loop, () -> {
            HttpClient client = clients.get();
            List<Future<String>> each = new ArrayList<>();
            for (int i = 0; i < n; i++) each.add(post(client, base, "request " + i));
            return Future.all(each).map(all -> {
                List<String> out = new ArrayList<>();
                for (Future<String> f : each) out.add(f.result());
                return out;
            });
        });
        for (int i = 0; i < n; i++) assertThat(answers.get(i)).isEqualTo("request " + i);
        assertThat(socketFlushes.get() - before).as("socket flushes for %d requests", n).isLessThan(n / 5);
        return pipeline;
    }

    @Test
    void anHttp1ConnectionIsLeftAsItIs() throws Exception {
        String base = echo(new HttpServerOptions());
        Deployment d = deployment(base, Http2Mode.OFF);
        try (UpstreamClients clients = new UpstreamClients(vertx, new SluiceConfig.UpstreamPool(1, 1000, 1000, 1000),
                2000, new SimpleMeterRegistry(), 1)) {
            Context loop = vertx.getOrCreateContext();
            boolean[] batched = new boolean[1];
            String answer = call(loop, () -> clients.of(d, base, false).client()
                    .request(UpstreamClients.requestOptions(base + "/chat/completions").setMethod(HttpMethod.POST))
                    .compose(req -> {
                        batched[0] = ((ConnectionBase) req.connection()).channel().pipeline()
                                .get(FlushConsolidationHandler.class) != null;
                        return req.send(Buffer.buffer("one"));
                    }).compose(HttpClientResponse::body).map(Buffer::toString));
            assertThat(answer).isEqualTo("one");
            assertThat(batched[0]).isFalse();
        }
    }

    /** Runs {@code work} on {@code loop} and waits for what it yields. */
    private static <T> T call(Context loop, java.util.function.Supplier<Future<T>> work) throws Exception {
        java.util.concurrent.CompletableFuture<T> out = new java.util.concurrent.CompletableFuture<>();
        loop.runOnContext(v -> work.get().onComplete(ar -> {
            if (ar.succeeded()) out.complete(ar.result());
            else out.completeExceptionally(ar.cause());
        }));
        return out.get(30, TimeUnit.SECONDS);
    }
}
