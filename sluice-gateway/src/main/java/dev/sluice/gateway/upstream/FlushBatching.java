package dev.sluice.gateway.upstream;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Writes an HTTP/2 upstream connection's frames to its socket once per turn of its event loop rather than once per
 * request. Vert.x flushes a request's frames as soon as it is sent, unless that connection itself is being read; but
 * Sluice sends upstream requests while it reads its callers' connections, so each request was one socket write (one
 * system call through the loopback or TCP stack), though the requests of one loop share a few connections. Netty's
 * {@link FlushConsolidationHandler} puts off such a flush to a task of the same event loop, which runs once the loop
 * has handled the sockets that were ready: the requests read together go out in one write. The bytes, their order and
 * the frames are the same; only how they are grouped into writes differs. HTTP/1.1 connections carry one request at a
 * time and are left as they are.
 */
final class FlushBatching {
    /** At most this many flushes are put off before one goes through at once (Netty's default). */
    private static final int MAX_PUT_OFF = FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES;

    private FlushBatching() {}

    /**
     * Installs the batching on {@code connection} when it is an HTTP/2 connection (a new one, on its event loop, before
     * any request used it); returns whether it did.
     */
    static boolean install(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase c)) return false;
        Channel ch = c.channel();
        if (ch.pipeline().get(Http2ConnectionHandler.class) == null) return false;
        // First in the pipeline, next to the socket: after TLS (whose own flushes it then batches too).
        ch.pipeline().addFirst("sluice-flush-batching", new FlushConsolidationHandler(MAX_PUT_OFF, true));
        return true;
    }
}
