package dev.sluice.gateway.upstream;

import io.vertx.core.http.HttpConnection;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The upstream connections whose loss has been told to a circuit breaker: the streams of one closed HTTP/2 connection
 * all fail at once, and the loss counts once. Held weakly (a closed connection is soon unreachable); a loss is rare,
 * so one lock serves every event loop.
 */
final class LostConnections {
    private static final Map<HttpConnection, Boolean> TOLD = Collections.synchronizedMap(new WeakHashMap<>());

    private LostConnections() {
    }

    /** True for the first stream of {@code connection} to report it lost (null: a stream with no connection, true). */
    static boolean first(HttpConnection connection) {
        return connection == null || TOLD.putIfAbsent(connection, Boolean.TRUE) == null;
    }
}
