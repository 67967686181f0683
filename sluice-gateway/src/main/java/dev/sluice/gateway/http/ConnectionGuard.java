package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.RequestIds;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Keeps slow, silent, greedy and malformed clients from holding a port, in front of Vert.x on every connection of
 * one port: caps the connections of the port and of one client address (refused with the contract and closed);
 * closes a connection whose request headers do not complete within the header timeout (408), an idle keep-alive
 * connection after the idle timeout, and a request whose body arrives slower than the minimum rate (408); answers
 * an invalid chunk with 400 instead of a silent close; and marks requests Vert.x would otherwise accept or answer
 * outside the contract (an unknown protocol version, a target that is not a path, a path that does not decode, an
 * {@code Expect} other than 100-continue) as decoder failures, so the invalid-request handler answers them.
 */
public final class ConnectionGuard {
    /** The settings of one port (from {@code server:} in the config). */
    public record Limits(long headerTimeoutMs, long idleTimeoutMs, long minBodyBytesPerSecond, long bodyRateGraceMs,
                         int maxConnections, int maxConnectionsPerAddress, int maxUrlBytes, int maxHeaderBytes) {}

    /** How long a closing connection keeps draining what the client still sends (see {@code Watch.close}). */
    static final long LINGER_MS = 2000;
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.valueOf("sluice.request_id");
    private static final AttributeKey<ApiException> ANSWERED = AttributeKey.valueOf("sluice.answered");
    private static final AttributeKey<String> PEER = AttributeKey.valueOf("sluice.peer");

    private final String port;
    private final Limits limits;
    private final ClientMistakes mistakes;
    private final LongSupplier nanoTime;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();

    public ConnectionGuard(String port, Limits limits, ClientMistakes mistakes, LongSupplier nanoTime) {
        this.port = port;
        this.limits = limits;
        this.mistakes = mistakes;
        this.nanoTime = nanoTime;
    }

    /** Connections open on this port now (a gauge on /metrics). */
    public int openConnections() {
        return open.get();
    }

    /** For the HTTP server's connection handler: counts, caps and watches one new connection. */
    public void install(HttpConnection connection) {
        Channel ch = ((ConnectionBase) connection).channel();
        String peer = connection.remoteAddress() == null ? null : connection.remoteAddress().hostAddress();
        if (peer != null) ch.attr(PEER).set(peer);
        String address = peer == null ? "unknown" : peer;
        int total = open.incrementAndGet();
        int fromAddress = perAddress.merge(address, 1, Integer::sum);
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        });
        if (fromAddress > limits.maxConnectionsPerAddress()) {
            refuse(ch, ApiException.of(ErrorKind.TOO_MANY_CONNECTIONS, "max",
                    String.valueOf(limits.maxConnectionsPerAddress())).withHeaders(retryAfter(1)), "too_many_connections");
            return;
        }
        if (total > limits.maxConnections()) {
            refuse(ch, ApiException.of(ErrorKind.SERVER_OVERLOADED).withHeaders(retryAfter(1)), "port_connection_cap");
            return;
        }
        Watch watch = new Watch(ch);
        ch.pipeline().addBefore("httpDecoder", "sluice-bytes", watch.bytes);
        ch.pipeline().addBefore("handler", "sluice-guard", watch);
        watch.start();
    }

    /** {@code retry-after} and {@code retry-after-ms} for a refusal the caller may retry after {@code seconds}. */
    public static Map<String, String> retryAfter(long seconds) {
        return Map.of(dev.sluice.protocol.Headers.RETRY_AFTER, String.valueOf(seconds),
                dev.sluice.protocol.Headers.RETRY_AFTER_MS, String.valueOf(seconds * 1000));
    }

    /** Answers a connection over a cap before anything of it reaches Vert.x, then closes it. */
    private void refuse(Channel ch, ApiException e, String kind) {
        ch.pipeline().addFirst("sluice-refused", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg); // nothing of a refused connection is decoded
            }
        });
        String id = RequestIds.next();
        mistakes.record(kind, id, port + " port");
        AccessLog.connection(id, e, clientOf(ch));
        ch.writeAndFlush(WireErrors.raw(e, id)).addListener(ChannelFutureListener.CLOSE); // through the encoder
    }

    private static String clientOf(Channel ch) {
        return ch.remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : null;
    }

    /**
     * The connection's peer address as {@code remoteAddress().hostAddress()} gave it when the connection was
     * installed, or null for a connection the guard did not install (then ask the connection): the text of an
     * address is made once per connection, not once per request.
     */
    public static String peer(HttpConnection connection) {
        return connection instanceof ConnectionBase c ? c.channel().attr(PEER).get() : null;
    }

    /** Called by the router's first handler: the request id the guard uses if it must answer this request itself. */
    public static void requestId(HttpServerRequest req, String requestId) {
        if (req.connection() instanceof ConnectionBase c) c.channel().attr(REQUEST_ID).set(requestId);
    }

    /**
     * Closes the request's connection now, the answer in progress with it (Vert.x's own close waits for that answer
     * to end): for a caller that has taken nothing for too long.
     */
    public static void cut(HttpServerRequest req) {
        ((ConnectionBase) req.connection()).channel().close();
    }

    /** The answer the guard sent on the request's connection (a timeout or a bad chunk), or null. */
    public static ApiException answered(HttpServerRequest req) {
        return req.connection() instanceof ConnectionBase c ? c.channel().attr(ANSWERED).get() : null;
    }

    /** The per-connection state: where the connection is in its request/response cycle, and its deadlines. */
    private final class Watch extends ChannelDuplexHandler {
        private final Channel ch;
        final ChannelInboundHandlerAdapter bytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (done) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                if (msg instanceof ByteBuf b) rawBytes(b.readableBytes());
                ctx.fireChannelRead(msg);
            }
        };
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> ticker;
        private boolean done;
        private boolean lingering;
        private boolean sawBytes;
        private boolean requestOpen;
        private boolean responseStarted;
        private int requests;
        private int responses;
        private long headerDeadline;
        private long idleDeadline;
        private long bodyBytes;
        private long bodyActiveNanos;
        private long lastTick;
        private long stalledSince;

        Watch(Channel ch) {
            this.ch = ch;
        }

        void start() {
            long now = nanoTime.getAsLong();
            headerDeadline = now + ms(limits.headerTimeoutMs());
            lastTick = now;
            long every = Math.max(50, Math.min(1000, Math.min(Math.min(limits.headerTimeoutMs(),
                    limits.idleTimeoutMs()), limits.bodyRateGraceMs()) / 4));
            ticker = ch.eventLoop().scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> ticker.cancel(false));
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        private void rawBytes(int n) {
            if (!requestOpen && responses >= requests && headerDeadline == 0) {
                // the first bytes of the next request on a kept-alive connection: its headers are now on the clock
                headerDeadline = nanoTime.getAsLong() + ms(limits.headerTimeoutMs());
                idleDeadline = 0;
            }
            if (n > 0) sawBytes = true;
            if (requestOpen) bodyBytes += n;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (done) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest req) {
                requests++;
                requestOpen = true;
                responseStarted = false;
                headerDeadline = 0;
                idleDeadline = 0;
                bodyBytes = 0;
                bodyActiveNanos = 0;
                ch.attr(REQUEST_ID).set(null);
                check(req);
            } else if (msg instanceof HttpContent c && !c.decoderResult().isSuccess()) {
                // a bad chunk size or broken framing: Vert.x would close without a word
                ReferenceCountUtil.release(msg);
                requestOpen = false;
                answerOrClose(WireErrors.malformed("invalid chunk size or body framing"), "malformed_body", true);
                return;
            }
            if (msg instanceof LastHttpContent) {
                requestOpen = false;
                if (responses >= requests) idleNow();
            }
            ctx.fireChannelRead(msg);
        }

        /** Refusals Netty's decoder does not make; they go to the invalid-request handler as decoder failures. */
        private void check(HttpRequest req) {
            if (!req.decoderResult().isSuccess()) {
                req.setProtocolVersion(HttpVersion.HTTP_1_1); // answer in HTTP/1.1, never echo a bogus version
                return;
            }
            String refusal = null;
            ApiException answer = null;
            HttpVersion v = req.protocolVersion();
            if (v != HttpVersion.HTTP_1_1 && v != HttpVersion.HTTP_1_0) {
                req.setProtocolVersion(HttpVersion.HTTP_1_1);
                refusal = "unsupported protocol version";
            } else if (!validTarget(req.uri())) {
                refusal = "the request target is not a valid path";
            } else if (v == HttpVersion.HTTP_1_1 && req.headers().getAll(HttpHeaderNames.HOST).size() != 1) {
                refusal = "an HTTP/1.1 request needs exactly one Host header";
            } else if (req.headers().contains(HttpHeaderNames.EXPECT)) { // rare: looked at only when present
                List<String> expect = req.headers().getAll(HttpHeaderNames.EXPECT);
                if (!expect.isEmpty() && (expect.size() > 1 || !"100-continue".equalsIgnoreCase(expect.getFirst().trim()))) {
                    answer = ApiException.of(ErrorKind.EXPECTATION_FAILED, "value",
                            ClientMistakes.oneLine(expect.getFirst()).replaceAll("[^A-Za-z0-9 ._=-]", "?"));
                }
            }
            if (refusal != null) answer = WireErrors.malformed(refusal);
            if (answer != null) req.setDecoderResult(DecoderResult.failure(new WireErrors.Refusal(answer)));
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            boolean informational = msg instanceof HttpResponse r && r.status().code() < 200;
            if (msg instanceof HttpResponse && !informational) responseStarted = true;
            boolean answeredEarly = false;
            if (msg instanceof LastHttpContent && !informational) {
                responseStarted = false;
                responses++;
                if (!requestOpen && responses >= requests) idleNow();
                // answered before its body was read (a 401, a 413): Vert.x would wait for a body it holds paused
                answeredEarly = requestOpen && responses >= requests;
            }
            ctx.write(msg, promise);
            if (answeredEarly) {
                // checked after the current read: a synchronous answer may precede the end of a body-less request
                ctx.executor().execute(() -> {
                    if (requestOpen && responses >= requests) close();
                });
            }
        }

        /**
         * A lingering close, as web servers do: the answer is flushed, then the connection keeps reading and dropping
         * what the client still sends, until the client closes or {@link #LINGER_MS} pass. Closing at once with
         * unread bytes would make the kernel reset the connection, and the client would lose the answer.
         */
        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            // nothing to drain: a connection that never sent a byte, or an idle one with no request begun
            boolean quiet = !sawBytes || (idleDeadline != 0 && headerDeadline == 0 && !requestOpen);
            if (lingering || !ch.isActive() || quiet) {
                ctx.close(promise);
                return;
            }
            lingering = true;
            done = true;
            ch.config().setAutoRead(true);
            ctx.flush();
            ScheduledFuture<?> last = ctx.executor().schedule(() -> {
                ctx.close(promise);
            }, LINGER_MS, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> {
                last.cancel(false);
                promise.trySuccess();
            });
        }

        private void idleNow() {
            headerDeadline = 0;
            idleDeadline = nanoTime.getAsLong() + ms(limits.idleTimeoutMs());
        }

        private void tick() {
            if (done || !ch.isActive()) return;
            long now = nanoTime.getAsLong();
            long elapsed = now - lastTick;
            lastTick = now;
            // every request answered, yet nobody reads: a connection Vert.x paused and forgot (it would sit in
            // CLOSE_WAIT holding a descriptor once the client leaves)
            if (requests > 0 && responses >= requests && !responseStarted && !ch.config().isAutoRead()) {
                if (stalledSince == 0) {
                    stalledSince = now;
                } else if (now - stalledSince > ms(LINGER_MS)) {
                    done = true;
                    ctx.close();
                    return;
                }
            } else {
                stalledSince = 0;
            }
            if (headerDeadline != 0 && now - headerDeadline > 0) {
                if (sawBytes) {
                    answerOrClose(ApiException.of(ErrorKind.REQUEST_TIMEOUT, "why", "the request headers did not "
                            + "arrive within " + limits.headerTimeoutMs() + " ms"), "header_timeout", false);
                } else {
                    mistakes.record("silent_connection", "-", port + " port");
                    close();
                }
            } else if (idleDeadline != 0 && now - idleDeadline > 0) {
                close(); // an idle keep-alive connection: nothing to answer
            } else if (requestOpen && limits.minBodyBytesPerSecond() > 0) {
                if (ch.config().isAutoRead()) bodyActiveNanos += elapsed; // time the gateway was reading, not pausing
                if (bodyActiveNanos >= ms(limits.bodyRateGraceMs())
                        && bodyBytes * 1_000_000_000.0 < limits.minBodyBytesPerSecond() * (double) bodyActiveNanos) {
                    answerOrClose(ApiException.of(ErrorKind.REQUEST_TIMEOUT, "why", "the request body arrived "
                            + "slower than " + limits.minBodyBytesPerSecond() + " bytes per second"), "slow_body", true);
                }
            }
        }

        /**
         * Writes the contract answer when it is the only answer the request gets (no response under way, and for a
         * request being received: none sent for it yet), then closes the connection; otherwise just closes.
         */
        private void answerOrClose(ApiException e, String kind, boolean currentRequest) {
            if (done) return;
            done = true;
            String id = currentRequest ? ch.attr(REQUEST_ID).get() : null;
            boolean routed = id != null;
            if (id == null) id = RequestIds.next();
            mistakes.record(kind, id, port + " port");
            boolean unanswered = currentRequest ? responses < requests : responses >= requests;
            if (responseStarted || !unanswered) {
                close();
                return;
            }
            ch.attr(ANSWERED).set(e);
            if (!routed) AccessLog.connection(id, e, clientOf(ch));
            ctx.writeAndFlush(WireErrors.raw(e, id)).addListener(f -> close());
        }

        /** Closes from here (lingering if needed), not through Vert.x, which may wait for a body it holds paused. */
        private void close() {
            done = true;
            close(ctx, ctx.newPromise());
        }
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * An origin-form path (or an absolute http(s) URL) whose percent-escapes decode and which holds only visible
     * ASCII: anything else Vert.x would answer outside the contract or pass on to handlers that cannot decode it.
     */
    static boolean validTarget(String uri) {
        if (uri == null || uri.isEmpty()) return false;
        if (uri.charAt(0) != '/' && !uri.regionMatches(true, 0, "http://", 0, 7)
                && !uri.regionMatches(true, 0, "https://", 0, 8)) return false;
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f) return false;
            if (c == '%') {
                if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0
                        || Character.digit(uri.charAt(i + 2), 16) < 0) return false;
            }
        }
        return true;
    }
}
