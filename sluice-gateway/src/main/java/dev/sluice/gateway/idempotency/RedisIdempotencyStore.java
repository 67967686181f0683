package dev.sluice.gateway.idempotency;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.limits.PipelinedRedis;
import dev.sluice.gateway.limits.RedisScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scale-out store: one Redis string per key, so every gateway sees the same reservations. A reservation is an
 * atomic SET NX with a TTL (in a script that also returns what is already there); completing and releasing check
 * that the reservation is still this request's, so a late request never overwrites another's answer. Only requests
 * with an {@code Idempotency-Key} reach it: one call to reserve, one to complete or release.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final String RESERVE = """
            local v = redis.call('GET', KEYS[1])
            if v then return v end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return false""";
    private static final String COMPLETE = """
            local v = redis.call('GET', KEYS[1])
            if (not v) or v == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return 1
            end
            return 0""";
    private static final String RELEASE = """
            local v = redis.call('GET', KEYS[1])
            if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0""";

    private final RedisScript reserve;
    private final RedisScript complete;
    private final RedisScript release;
    private final String prefix;
    private final Duration retention;

    /** On the gateway's shared connection ({@code RedisConnection.pipelined()}); {@link #close} leaves it to its owner. */
    public RedisIdempotencyStore(PipelinedRedis pipe, String prefix, Duration retention) {
        this.reserve = new RedisScript(pipe, RESERVE);
        this.complete = new RedisScript(pipe, COMPLETE);
        this.release = new RedisScript(pipe, RELEASE);
        this.prefix = prefix;
        this.retention = retention;
    }

    @Override
    public Future<Optional<IdempotencyRecord>> reserve(String key, String fingerprint, String requestId,
                                                       Duration inFlightTtl) {
        return eval(reserve, prefix + key, inFlight(requestId, fingerprint), String.valueOf(inFlightTtl.toMillis()))
                .map(r -> r == null ? Optional.<IdempotencyRecord>empty() : Optional.of(decode(r.toString())));
    }

    @Override
    public Future<Void> complete(String key, IdempotencyRecord.Completed answer) {
        return eval(complete, prefix + key, inFlight(answer.requestId(), answer.fingerprint()), encode(answer),
                String.valueOf(retention.toMillis())).mapEmpty();
    }

    @Override
    public Future<Void> release(String key, String requestId) {
        return eval(release, prefix + key, "F|" + requestId + "|").mapEmpty();
    }

    /** Nothing to release: the client is the gateway's shared connection, closed by its owner. */
    @Override
    public void close() {
    }

    private static Future<Response> eval(RedisScript script, String key, String... args) {
        return script.run(List.of(key), List.of(args));
    }

    private static String inFlight(String requestId, String fingerprint) {
        return "F|" + requestId + "|" + fingerprint;
    }

    static String encode(IdempotencyRecord.Completed c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("fp", c.fingerprint()).put("rid", c.requestId()).put("status", c.status());
        ObjectNode h = n.putObject("headers");
        c.headers().forEach(h::put);
        n.put("body", Base64.getEncoder().encodeToString(c.body()));
        return "D|" + n;
    }

    static IdempotencyRecord decode(String v) {
        if (v.startsWith("F|")) {
            int bar = v.indexOf('|', 2);
            return new IdempotencyRecord.InFlight(v.substring(bar + 1), v.substring(2, bar));
        }
        try {
            JsonNode n = JSON.readTree(v.substring(2));
            Map<String, String> headers = new LinkedHashMap<>();
            n.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            return new IdempotencyRecord.Completed(n.path("fp").asText(), n.path("rid").asText(),
                    n.path("status").asInt(), headers, Base64.getDecoder().decode(n.path("body").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
