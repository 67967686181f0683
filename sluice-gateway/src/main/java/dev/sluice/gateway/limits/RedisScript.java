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
import java.util.concurrent.TimeUnit;

/**
 * A Lua script run by its SHA ({@code EVALSHA}): loaded once at start, and loaded again only if Redis answers
 * NOSCRIPT (it restarted or its script cache was flushed), so every call sends the hash, not the source.
 */
public final class RedisScript {
    /** How long a script call may take before it counts as failed. */
    public static final long TIMEOUT_MS = 2_000;
    private final Redis redis;
    private final String source;
    private final String sha;

    public RedisScript(Redis redis, Class<?> owner, String resource) {
        this.redis = redis;
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing script " + resource);
            this.source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read script " + resource, e);
        }
        this.sha = sha1(source);
    }

    /** Loads the script into Redis; fails when Redis is unreachable. */
    public Future<Void> load() {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).map(r -> {
            if (!sha.equalsIgnoreCase(r.toString())) throw new IllegalStateException("Redis returned another script hash");
            return null;
        });
    }

    /** Runs the script; fails when Redis does not answer within {@link #TIMEOUT_MS} (a hung server must not hang requests). */
    public Future<Response> run(List<String> keys, List<String> args) {
        return sendOrLoad(keys, args).timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private Future<Response> sendOrLoad(List<String> keys, List<String> args) {
        return send(keys, args).recover(err -> {
            String m = err.getMessage();
            if (m == null || !m.startsWith("NOSCRIPT")) return Future.failedFuture(err);
            return load().compose(v -> send(keys, args));
        });
    }

    private Future<Response> send(List<String> keys, List<String> args) {
        Request r = Request.cmd(Command.EVALSHA).arg(sha).arg(keys.size());
        for (String k : keys) r.arg(k);
        for (String a : args) r.arg(a);
        return redis.send(r);
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
