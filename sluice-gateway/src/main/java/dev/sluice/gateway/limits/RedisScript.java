package dev.sluice.gateway.limits;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * A Lua script run by its SHA ({@code EVALSHA}): loaded once at start, and loaded again only if Redis answers
 * NOSCRIPT (it restarted or its script cache was flushed, or the script was never loaded), so every call sends the
 * hash, not the source. Calls go through a {@link PipelinedRedis} (the calling event loop's connection).
 */
public final class RedisScript {
    /** How long a script call may take before it counts as failed, unless {@code redis.script_timeout_ms} says. */
    public static final long TIMEOUT_MS = 2_000;
    /** How long loading the script may take (at start, or after a NOSCRIPT): a busy host may stall that long. */
    static final long LOAD_TIMEOUT_MS = 10_000;
    private final PipelinedRedis redis;
    private final String source;
    private final String sha;

    /** A script read from a resource next to {@code owner}, sent through the pool (no pinned connections). */
    public RedisScript(Redis redis, Class<?> owner, String resource) {
        this(new PipelinedRedis(redis, 0), owner, resource);
    }

    /** A script read from a resource next to {@code owner}. */
    public RedisScript(PipelinedRedis redis, Class<?> owner, String resource) {
        this(redis, read(owner, resource));
    }

    /** A script given as source. */
    public RedisScript(PipelinedRedis redis, String source) {
        this.redis = redis;
        this.source = source;
        this.sha = sha1(source);
    }

    private static String read(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing script " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read script " + resource, e);
        }
    }

    /** Loads the script into Redis; fails when Redis is unreachable. */
    public Future<Void> load() {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source), LOAD_TIMEOUT_MS).map(r -> {
            if (!sha.equalsIgnoreCase(r.toString())) throw new IllegalStateException("Redis returned another script hash");
            return null;
        });
    }

    /**
     * Runs the script; fails when Redis does not answer within the pipeline's script timeout ({@link #TIMEOUT_MS}
     * unless {@code redis.script_timeout_ms} sets it; a hung server must not hang
     * requests; after a NOSCRIPT, the reload has {@link #LOAD_TIMEOUT_MS} and the second call this time again).
     */
    public Future<Response> run(List<String> keys, List<String> args) {
        return sendOrLoad(keys, args);
    }

    /**
     * Runs the script with integer arguments, the first {@code count} of {@code args} (written as Redis writes a
     * number, without a {@code String} each); as {@link #run(List, List)} otherwise.
     */
    public Future<Response> run(List<String> keys, long[] args, int count) {
        return sendOrLoad(() -> {
            Request r = request(keys);
            for (int i = 0; i < count; i++) r.arg(args[i]);
            return r;
        });
    }

    private Future<Response> sendOrLoad(List<String> keys, List<String> args) {
        return sendOrLoad(() -> {
            Request r = request(keys);
            for (String a : args) r.arg(a);
            return r;
        });
    }

    private Future<Response> sendOrLoad(Supplier<Request> request) {
        return send(request.get()).recover(err -> {
            String m = err.getMessage();
            if (m == null || !m.startsWith("NOSCRIPT")) return Future.failedFuture(err);
            return load().compose(v -> send(request.get()));
        });
    }

    private Request request(List<String> keys) {
        Request r = Request.cmd(Command.EVALSHA).arg(sha).arg(keys.size());
        for (String k : keys) r.arg(k);
        return r;
    }

    private Future<Response> send(Request r) {
        return redis.send(r, redis.scriptTimeoutMs());
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
