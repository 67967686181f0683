package dev.sluice.gateway.redis;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.limits.PipelinedRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The one Redis connection of a gateway, configured by the {@code redis:} section and shared by every Redis user
 * (rate limits, Slow Down counters, idempotency records): one client, one pool of {@code redis.pool_size}
 * connections. The client is made on first use, so a gateway that uses no Redis never connects. Whoever created this
 * closes it, after the last user has stopped.
 */
public final class RedisConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);
    /** Requests waiting for a pooled connection before Redis answers "too many waiting" (a burst, not a leak). */
    static final int MAX_POOL_WAITING = 100_000;

    private final Vertx vertx;
    private final SluiceConfig.Redis cfg;
    private Redis client;
    private PipelinedRedis pipelined;

    public RedisConnection(Vertx vertx, SluiceConfig.Redis cfg) {
        this.vertx = vertx;
        this.cfg = cfg;
    }

    /** The shared client, made on the first call. */
    public synchronized Redis client() {
        if (cfg == null || cfg.url() == null) throw new IllegalStateException("no redis.url configured");
        if (client == null) {
            client = Redis.createClient(vertx, new RedisOptions().setConnectionString(cfg.url())
                    .setMaxPoolSize(cfg.poolSize()).setMaxPoolWaiting(MAX_POOL_WAITING));
        }
        return client;
    }

    /**
     * The shared client with up to half of {@code redis.pool_size} connections pinned to event loops (one pipelined
     * connection per loop, see {@link PipelinedRedis}); made on the first call. Every Redis user sends through this.
     */
    public synchronized PipelinedRedis pipelined() {
        if (pipelined == null) {
            pipelined = new PipelinedRedis(client(), Math.max(1, cfg.poolSize() / 2), cfg.scriptTimeoutMs());
        }
        return pipelined;
    }

    /** Keys of every Redis user start with this ({@code redis.key_prefix}). */
    public String keyPrefix() {
        return cfg == null ? "" : cfg.keyPrefix();
    }

    /** {@code redis.url} with any password masked, for logs and start-up errors. */
    public String maskedUrl() {
        return cfg == null || cfg.url() == null ? "" : cfg.url().replaceAll("//[^@/]*@", "//***@");
    }

    /** Closes the client if one was made (waits up to 5 s). */
    @Override
    public synchronized void close() {
        if (client == null) return;
        if (pipelined != null) pipelined.close();
        pipelined = null;
        try {
            client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing Redis: {}", e.toString());
        }
        client = null;
    }
}
