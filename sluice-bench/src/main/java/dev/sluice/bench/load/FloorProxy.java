package dev.sluice.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The floor of a JVM gateway on this machine: a reverse proxy with nothing in it — no auth, no validation, no limits,
 * no ledger, no metrics, no log — that passes the request's path, body, {@code content-type} and
 * {@code authorization} to one upstream and its status, {@code content-type} and body back. Two kinds, each with one
 * event loop per core like Sluice and the upstream connections kept per loop:
 * <ul>
 *   <li>{@code vertx}: Vert.x's HTTP server and HTTP client, the layers Sluice is built on, with the client options
 *   Sluice's benchmark deployment uses (h2c with prior knowledge; {@code --upstream-h1} for HTTP/1.1 keep-alive); an
 *   answer without a length (a stream) is passed on piece by piece, so it can be in the streaming run too;</li>
 *   <li>{@code netty}: Netty's HTTP/1.1 codecs directly (epoll), an HTTP/1.1 keep-alive connection per request in
 *   flight to the upstream, reused from a per-loop free list — what nginx {@code proxy_pass} does; whole answers
 *   only (it aggregates).</li>
 * </ul>
 * {@code ./sluice bench load --systems …,floor-vertx,floor-netty} measures them beside nginx and Sluice in one run:
 * what separates Sluice from nginx that a rewrite of its HTTP layers could win back, and what no JVM proxy gets here.
 * Not a product: it forwards anything to anyone who can reach its loopback port, and answers 502 on any failure.
 */
public final class FloorProxy {
    /** The line a started proxy prints; the harness waits for it. */
    static final String READY = "floor proxy listening on http://127.0.0.1:";

    private FloorProxy() {
    }

    public static void main(String[] args) throws Exception {
        String kind = null;
        int port = 0, upstreamPort = -1, loops = Runtime.getRuntime().availableProcessors();
        boolean h1 = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kind" -> kind = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--upstream-port" -> upstreamPort = Integer.parseInt(args[++i]);
                case "--loops" -> loops = Integer.parseInt(args[++i]);
                case "--upstream-h1" -> h1 = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--kind vertx|netty --upstream-port P [--port P] [--loops N] [--upstream-h1])");
            }
        }
        if (upstreamPort <= 0 || kind == null) {
            throw new IllegalArgumentException("--kind vertx|netty and --upstream-port are required");
        }
        Running running = switch (kind) {
            case "vertx" -> vertx(port, upstreamPort, loops, h1);
            case "netty" -> netty(port, upstreamPort, loops);
            default -> throw new IllegalArgumentException("--kind is vertx or netty, not " + kind);
        };
        System.out.println(READY + running.port() + " (" + kind + ", " + loops + " event loops)");
        System.out.flush();
        new CountDownLatch(1).await(); // until the harness stops the process
    }

    /** A started proxy: where it listens, and how to stop it. */
    record Running(int port, AutoCloseable stop) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            stop.close();
        }
    }

    /** The Vert.x floor on {@code port} (0: any). */
    static Running vertx(int port, int upstreamPort, int loops, boolean h1) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
        int bound = port != 0 ? port : Children.freePort(); // every instance listens on the same port
        vertx.deployVerticle(() -> new AbstractVerticle() {
            private HttpClient client;

            @Override
            public void start(io.vertx.core.Promise<Void> started) {
                HttpClientOptions o = new HttpClientOptions().setKeepAlive(true).setHttp2MultiplexingLimit(1000);
                if (!h1) o.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false);
                client = vertx.createHttpClient(o, new PoolOptions().setHttp1MaxSize(256).setHttp2MaxSize(8));
                vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true)).requestHandler(this::forward)
                        .listen(bound, "127.0.0.1").<Void>mapEmpty().onComplete(started);
            }

            private void forward(HttpServerRequest req) {
                req.body().compose(body -> {
                    RequestOptions ro = new RequestOptions().setMethod(req.method()).setHost("127.0.0.1")
                            .setPort(upstreamPort).setURI(req.uri());
                    copy(req.headers(), ro, HttpHeaders.CONTENT_TYPE);
                    copy(req.headers(), ro, HttpHeaders.AUTHORIZATION);
                    return client.request(ro).compose(up -> up.send(body)).compose(resp -> {
                        String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                        if (type != null) req.response().putHeader(HttpHeaders.CONTENT_TYPE, type);
                        req.response().setStatusCode(resp.statusCode());
                        if (resp.getHeader(HttpHeaders.CONTENT_LENGTH) != null) { // a whole answer: one write
                            return resp.body().compose(b -> req.response().end(b));
                        }
                        req.response().setChunked(true); // a stream: each piece on as it comes
                        return resp.pipeTo(req.response());
                    });
                }).onFailure(e -> {
                    if (req.response().ended()) return;
                    if (req.response().headWritten()) req.response().reset(); // a stream broken midway
                    else req.response().setStatusCode(502).end();
                });
            }
        }, new DeploymentOptions().setInstances(loops)).await(30, TimeUnit.SECONDS);
        return new Running(bound, () -> vertx.close().await(10, TimeUnit.SECONDS));
    }

    private static void copy(io.vertx.core.MultiMap from, RequestOptions to, CharSequence name) {
        String v = from.get(name);
        if (v != null) to.putHeader(name, v);
    }

    /** The Netty floor on {@code port} (0: any). */
    static Running netty(int port, int upstreamPort, int loops) throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap upstream = new Bootstrap().channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(16 << 20),
                                new UpstreamAnswer());
                    }
                });
        Channel server = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 << 20),
                                new Forward(upstream, upstreamPort));
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        return new Running(((java.net.InetSocketAddress) server.localAddress()).getPort(),
                () -> group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync());
    }

    /** Idle upstream connections of the current event loop, most recently used first. */
    private static final FastThreadLocal<ArrayDeque<Channel>> IDLE = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
            return new ArrayDeque<>();
        }
    };

    /** The caller an upstream connection is answering now, and whether that caller keeps its connection. */
    private record Caller(ChannelHandlerContext ctx, boolean keepAlive) {
    }

    private static final io.netty.util.AttributeKey<Caller> CALLER = io.netty.util.AttributeKey.valueOf("floor.caller");

    /** A caller's request: to an idle upstream connection of this loop, or a new one on this loop. */
    private static final class Forward extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Bootstrap upstream;
        private final int upstreamPort;

        Forward(Bootstrap upstream, int upstreamPort) {
            this.upstream = upstream;
            this.upstreamPort = upstreamPort;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            DefaultFullHttpRequest out = new DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    req.method(), req.uri(), req.content().retain());
            out.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + upstreamPort)
                    .set(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
            CharSequence type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
            if (type != null) out.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            CharSequence auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (auth != null) out.headers().set(HttpHeaderNames.AUTHORIZATION, auth);
            Channel idle = IDLE.get().pollFirst();
            while (idle != null && !idle.isActive()) idle = IDLE.get().pollFirst();
            if (idle != null) {
                send(idle, ctx, keepAlive, out);
                return;
            }
            EventLoop loop = ctx.channel().eventLoop();
            upstream.clone(loop).connect("127.0.0.1", upstreamPort).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    send(f.channel(), ctx, keepAlive, out);
                } else {
                    out.release();
                    badGateway(ctx);
                }
            });
        }

        private static void send(Channel up, ChannelHandlerContext caller, boolean keepAlive, FullHttpRequest out) {
            up.attr(CALLER).set(new Caller(caller, keepAlive));
            up.writeAndFlush(out);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The upstream's answer, back to the caller it belongs to; the connection goes back to the loop's free list. */
    private static final class UpstreamAnswer extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse resp) {
            Caller caller = ctx.channel().attr(CALLER).getAndSet(null);
            if (HttpUtil.isKeepAlive(resp)) IDLE.get().addFirst(ctx.channel());
            else ctx.close();
            if (caller == null) return;
            ByteBuf body = resp.content().retain();
            FullHttpResponse out = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    resp.status(), body);
            CharSequence type = resp.headers().get(HttpHeaderNames.CONTENT_TYPE);
            if (type != null) out.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            out.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (!caller.keepAlive()) out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            var written = caller.ctx().writeAndFlush(out);
            if (!caller.keepAlive()) written.addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Caller caller = ctx.channel().attr(CALLER).getAndSet(null);
            if (caller != null) badGateway(caller.ctx());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void badGateway(ChannelHandlerContext caller) {
        FullHttpResponse r = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.BAD_GATEWAY);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        caller.writeAndFlush(r);
    }
}
