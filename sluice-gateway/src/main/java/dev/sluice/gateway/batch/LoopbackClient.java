package dev.sluice.gateway.batch;

import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.retry.Backoff;
import dev.sluice.protocol.retry.RetryAfter;
import io.vertx.core.MultiMap;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Sends batch lines to the gateway's own public port over loopback HTTP, so a line meets exactly the stages a live
 * request meets (authentication, validation, model access, limits, budgets, retries) — including ones added later.
 * A connection failure is retried a few times; a "slow down" answer is waited out; any other answer is the line's
 * result.
 */
final class LoopbackClient implements AutoCloseable {
    /** Tells the pipeline this is batch traffic (rate limiting may give it a lower priority than live calls). */
    static final String PRIORITY_VALUE = "batch";
    private static final long[] BACKOFF_MS = {200, 1000, 3000};

    /**
     * What the gateway answered: status, its request id, content type and body; {@code throttled} when it was still
     * a "slow down" answer (see {@link #throttleWaitMs}) after the runner stopped waiting for a better one.
     */
    record Answer(int status, String requestId, String contentType, Buffer body, boolean throttled) {}

    /** Codes that mean "Sluice is shedding load or pacing you", not "this request failed". */
    private static final Set<String> THROTTLE_CODES = Set.of("rate_limit_exceeded", "server_overloaded", "slow_down",
            "server_shutting_down"); // a drain cut the line: not a result, the next start sends it again
    static final long MAX_THROTTLE_WAIT_MS = 60_000;
    /** Without a retry-after: 1 s, doubling (no jitter: the draw is fixed at the whole step). */
    private static final Backoff THROTTLE_BACKOFF = new Backoff(1000, 64_000);

    private final Vertx vertx;
    private final io.vertx.core.Context context;
    private final HttpClient http;
    private final long timeoutMs;
    private final Clock clock;

    /** @param clock what a {@code retry-after} HTTP date is measured against */
    LoopbackClient(Vertx vertx, String host, int port, int connections, long timeoutMs, Clock clock) {
        this.vertx = vertx;
        this.clock = clock;
        this.context = vertx.getOrCreateContext();
        this.timeoutMs = timeoutMs;
        this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
                .setKeepAlive(true).setConnectTimeout(5_000)
                // below the gateway's idle timeout (server.idle_timeout_ms, 60 s by default): the client lets an idle
                // connection go before the server closes it, so no line is sent on a connection being closed
                .setKeepAliveTimeout(30), new PoolOptions().setHttp1MaxSize(connections));
    }

    /**
     * POSTs {@code body} to {@code path} with the batch's key and the line's stable Idempotency-Key. A connection
     * failure is retried a few times; a "slow down" answer (429 rate limit, 503 overloaded / slow down, with
     * {@code x-should-retry: true}) is sent again after its retry-after, for as long as {@code keepWaiting} holds,
     * so limits that rank batch traffic below live traffic slow a batch down instead of failing its lines. Fails
     * only when the gateway could not be reached.
     */
    Future<Answer> post(String path, String secret, String idempotencyKey, Buffer body, BooleanSupplier keepWaiting) {
        // Runners call from their own (virtual) threads; every request and callback stays on one event loop.
        Promise<Answer> result = Promise.promise();
        context.runOnContext(v -> attempt(new Line(path, secret, idempotencyKey, body, keepWaiting, result), 0, 0));
        return result.future();
    }

    private record Received(Answer answer, long waitMs) {}

    private record Line(String path, String secret, String idem, Buffer body, BooleanSupplier keepWaiting,
                        Promise<Answer> result) {}

    private void attempt(Line line, int failures, int throttles) {
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setURI(line.path()).setIdleTimeout(timeoutMs)
                .putHeader("authorization", "Bearer " + line.secret())
                .putHeader("content-type", "application/json")
                .putHeader(Headers.SLUICE_PRIORITY, PRIORITY_VALUE)
                .putHeader(Headers.IDEMPOTENCY_KEY, line.idem());
        http.request(ro)
                .compose(req -> req.send(line.body()))
                .compose(resp -> resp.body().map(b -> {
                    long wait = throttleWaitMs(resp.statusCode(), resp.headers(), b, throttles, clock.instant());
                    return new Received(new Answer(resp.statusCode(), resp.getHeader(Headers.REQUEST_ID),
                            resp.getHeader("content-type"), b, wait >= 0), wait);
                }))
                .onSuccess(r -> {
                    if (r.waitMs() >= 0 && line.keepWaiting().getAsBoolean()) {
                        vertx.setTimer(Math.max(1, r.waitMs()), t -> attempt(line, failures, throttles + 1));
                    } else {
                        line.result().tryComplete(r.answer());
                    }
                })
                .onFailure(err -> {
                    if (failures >= BACKOFF_MS.length || !line.keepWaiting().getAsBoolean()) {
                        line.result().tryFail(err);
                        return;
                    }
                    vertx.setTimer(BACKOFF_MS[failures], t -> attempt(line, failures + 1, throttles));
                });
    }

    /**
     * How long to wait before sending a line again, or -1 when the answer is final: only a 429
     * {@code rate_limit_exceeded} or a 503 {@code server_overloaded} / {@code slow_down} that says
     * {@code x-should-retry: true} is worth waiting for. The wait is the answer's retry-after (the shared
     * {@link RetryAfter}: {@code retry-after-ms}, else {@code retry-after} seconds or an HTTP date against
     * {@code now}), else an exponential backoff from 1 s without jitter; never more than a minute.
     */
    static long throttleWaitMs(int status, MultiMap headers, Buffer body, int throttlesSoFar, Instant now) {
        if (status != 429 && status != 503) return -1;
        if (!"true".equalsIgnoreCase(headers.get(Headers.SHOULD_RETRY))) return -1;
        String code = body == null ? null : ErrorBodies.parse(body.toString(StandardCharsets.UTF_8))
                .map(e -> e.code()).orElse(null);
        if (code == null || !THROTTLE_CODES.contains(code)) return -1;
        long wait = RetryAfter.millis(headers::get, now);
        if (wait < 0) wait = Math.round(THROTTLE_BACKOFF.millis(throttlesSoFar, 1.0));
        return Math.min(wait, MAX_THROTTLE_WAIT_MS);
    }

    @Override
    public void close() {
        http.close();
    }
}
