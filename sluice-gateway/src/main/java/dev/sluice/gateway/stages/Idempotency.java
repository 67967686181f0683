package dev.sluice.gateway.stages;

import dev.sluice.gateway.idempotency.IdempotencyRecord;
import dev.sluice.gateway.idempotency.IdempotencyStore;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Hashes;
import dev.sluice.protocol.Headers;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Makes a POST with an {@code Idempotency-Key} run at most once per project and key: the first request reserves the
 * key; a completed (non-streaming, 200) answer is stored and replayed byte for byte, with its original
 * {@code x-request-id}, to later requests with the same key and body — no second upstream call, no second usage
 * record. The same key while the first still runs is 409 {@code idempotency_key_in_use}; with another body, 409
 * {@code idempotency_key_reused}. A failed, cancelled or streamed request releases its key.
 */
public final class Idempotency implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(Idempotency.class);
    /** Marks an answer that is a replay of a stored one. */
    public static final String REPLAY_HEADER = "x-sluice-idempotent-replay";
    /** The headers of an answer that are stored and replayed with it. */
    private static final String[] KEPT = {"content-type", Headers.UPSTREAM_REQUEST_ID, Headers.SLUICE_ATTEMPTS};
    private static final int MAX_KEY_LENGTH = 255;
    private static final CharSequence IDEMPOTENCY_KEY = HttpHeaders.createOptimized(Headers.IDEMPOTENCY_KEY);

    private final IdempotencyStore store;
    private final Duration inFlightTtl;
    private final boolean failOpen;

    /**
     * @param inFlightTtl how long a reservation may live if its gateway dies (longer than the upstream total timeout)
     * @param failOpen    when the store fails: true serves the request without de-duplication (logged), false
     *                    answers 500
     */
    public Idempotency(IdempotencyStore store, Duration inFlightTtl, boolean failOpen) {
        this.store = store;
        this.inFlightTtl = inFlightTtl;
        this.failOpen = failOpen;
    }

    @Override
    public StageOrder order() {
        return StageOrder.IDEMPOTENCY;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        String key = ex.header(IDEMPOTENCY_KEY);
        if (key == null || !"POST".equals(ex.method()) || ex.caller() == null) return next.proceed(ex);
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "Idempotency-Key", "why",
                    "an Idempotency-Key must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters");
        }
        String storeKey = ex.caller().projectId() + ":" + Hashes.sha256Hex(key);
        String fingerprint = fingerprint(ex);
        return store.reserve(storeKey, fingerprint, ex.requestId(), inFlightTtl)
                .transform(ar -> {
                    if (ar.succeeded()) return decide(ex, next, storeKey, fingerprint, ar.result());
                    LOG.warn("idempotency store unavailable request_id={}: {}", ex.requestId(), ar.cause().toString());
                    if (failOpen) return next.proceed(ex);
                    return Future.failedFuture(ApiException.of(ErrorKind.INTERNAL_ERROR, "request_id",
                            ex.requestId()));
                });
    }

    private Future<Answer> decide(Exchange ex, Chain next, String storeKey, String fingerprint,
                                  Optional<IdempotencyRecord> existing) {
        if (existing.isEmpty()) return run(ex, next, storeKey, fingerprint);
        IdempotencyRecord r = existing.get();
        if (!r.fingerprint().equals(fingerprint)) {
            return Future.failedFuture(ApiException.of(ErrorKind.IDEMPOTENCY_KEY_REUSED));
        }
        if (r instanceof IdempotencyRecord.Completed done) return Future.succeededFuture(replay(ex, done));
        return Future.failedFuture(ApiException.of(ErrorKind.IDEMPOTENCY_KEY_IN_USE));
    }

    /**
     * Runs the request holding the key. A whole 200 answer is stored before the adapter writes it (so a retry the
     * moment it arrives is a replay, and a caller that left still finds it); an error releases the key before it is
     * written, and a stream once it has ended.
     */
    private Future<Answer> run(Exchange ex, Chain next, String storeKey, String fingerprint) {
        return next.proceed(ex).compose(answer -> {
            if (answer instanceof Answer.Whole whole && whole.status() == 200 && !ex.stream()) {
                return store.complete(storeKey, new IdempotencyRecord.Completed(fingerprint, ex.requestId(), 200,
                        keptHeaders(ex, whole), whole.body().getBytes())).transform(stored -> {
                            if (stored.failed()) {
                                LOG.warn("idempotency record not saved request_id={}: {}", ex.requestId(),
                                        stored.cause().toString());
                                store.release(storeKey, ex.requestId());
                            }
                            return Future.succeededFuture(answer);
                        });
            }
            if (answer instanceof Answer.Stream) return Future.succeededFuture(answer.whenDone(e -> release(ex, storeKey)));
            release(ex, storeKey);
            return Future.succeededFuture(answer);
        });
    }

    private void release(Exchange ex, String storeKey) {
        store.release(storeKey, ex.requestId()).onFailure(err -> LOG.warn(
                "idempotency key not released request_id={}: {}", ex.requestId(), err.toString()));
    }

    private static Map<String, String> keptHeaders(Exchange ex, Answer.Whole answer) {
        Map<String, String> h = new LinkedHashMap<>();
        for (String name : KEPT) {
            String v = ex.responseHeaders().get(name);
            if (v == null && "content-type".equals(name)) v = answer.contentType();
            if (v != null) h.put(name, v);
        }
        return h;
    }

    /** The stored answer, as it was, under the original request id; nothing else runs and nothing is billed. */
    private static Answer replay(Exchange ex, IdempotencyRecord.Completed done) {
        ex.replay(true);
        ex.attempts(0);
        done.headers().forEach((k, v) -> ex.responseHeaders().set(k, v));
        ex.responseHeaders().set(Headers.REQUEST_ID, done.requestId());
        ex.responseHeaders().set(REPLAY_HEADER, "true");
        return Answer.whole(done.status(), null, Buffer.buffer(done.body()));
    }

    /** The route and the exact body bytes: the same key with anything else is a different request. */
    private static String fingerprint(Exchange ex) {
        MessageDigest sha = Hashes.sha256();
        sha.update(ex.endpoint().route().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        if (ex.body() != null) sha.update(ex.body().getBytes());
        return Hashes.hex(sha.digest());
    }
}
