package dev.sluice.gateway.limits;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Sends commands over one long-lived connection per event loop, pipelined: a request's command is written at once on
 * its own loop's connection instead of leasing a connection from the client's pool and returning it, and the commands
 * of every request on that loop share the connection in flight (Redis answers them in order). Off an event loop
 * (start-up, tests, worker threads), or on more loops than {@code maxLanes}, a command goes through the pooled
 * {@link Redis#send}; {@code maxLanes} keeps the pinned connections to a share of the pool so pooled users never
 * wait for one. A connection that fails, closes or lets a command time out is dropped (the next command opens
 * another), so a restarted Redis costs the commands in flight, not the lane.
 */
public final class PipelinedRedis {
    private final Redis redis;
    private final int maxLanes;
    private final long scriptTimeoutMs;
    private final ConcurrentHashMap<Thread, Lane> lanes = new ConcurrentHashMap<>();

    /** @param maxLanes how many pooled connections may be pinned to event loops (0: always use the pool) */
    public PipelinedRedis(Redis redis, int maxLanes) {
        this(redis, maxLanes, RedisScript.TIMEOUT_MS);
    }

    /**
     * @param maxLanes        how many pooled connections may be pinned to event loops (0: always use the pool)
     * @param scriptTimeoutMs how long a {@link RedisScript} call sent through here may go unanswered
     *                        ({@code redis.script_timeout_ms})
     */
    public PipelinedRedis(Redis redis, int maxLanes, long scriptTimeoutMs) {
        this.redis = redis;
        this.maxLanes = Math.max(0, maxLanes);
        this.scriptTimeoutMs = scriptTimeoutMs;
    }

    /** How long a script call sent through here may go unanswered before it fails. */
    public long scriptTimeoutMs() {
        return scriptTimeoutMs;
    }

    /** Sends on the calling loop's connection; fails when Redis does not answer within {@code timeoutMs}. */
    public Future<Response> send(Request request, long timeoutMs) {
        Lane lane = lane();
        if (lane == null) return redis.send(request).timeout(timeoutMs, TimeUnit.MILLISECONDS);
        return lane.send(request, timeoutMs);
    }

    /** Connections currently pinned (for tests). */
    public int lanes() {
        return lanes.size();
    }

    /** Gives the pinned connections back to the pool (closing the client closes them). */
    public void close() {
        lanes.values().forEach(Lane::drop);
        lanes.clear();
    }

    private Lane lane() {
        if (maxLanes == 0) return null;
        Context ctx = Vertx.currentContext();
        if (ctx == null || !ctx.isEventLoopContext()) return null;
        Thread t = Thread.currentThread();
        Lane lane = lanes.get(t);
        if (lane != null) return lane;
        synchronized (lanes) {
            if (lanes.size() >= maxLanes) return lanes.get(t);
            return lanes.computeIfAbsent(t, k -> new Lane());
        }
    }

    /** One loop's connection; touched only from that loop's thread. */
    private final class Lane {
        private volatile Future<RedisConnection> conn;

        Future<Response> send(Request request, long timeoutMs) {
            Future<RedisConnection> c = conn;
            if (c == null) conn = c = redis.connect();
            Future<RedisConnection> used = c;
            return c.compose(x -> x.send(request)).timeout(timeoutMs, TimeUnit.MILLISECONDS).onFailure(err -> {
                // A Redis error reply (NOSCRIPT, WRONGTYPE...) is an answer: the connection is fine.
                if (!(err instanceof Response)) dropIf(used);
            });
        }

        private void dropIf(Future<RedisConnection> failed) {
            if (conn != failed) return; // already replaced
            drop();
        }

        void drop() {
            Future<RedisConnection> c = conn;
            conn = null;
            if (c != null) c.onSuccess(RedisConnection::close);
        }
    }
}
