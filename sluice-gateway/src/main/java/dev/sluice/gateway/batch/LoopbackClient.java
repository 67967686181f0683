package dev.sluice.gateway.batch;

import dev.sluice.protocol.Headers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.function.BooleanSupplier;

/**
 * Sends batch lines to the gateway's own public port over loopback HTTP, so a line meets exactly the stages a live
 * request meets (authentication, validation, model access, limits, budgets, retries) — including ones added later.
 * A connection failure is retried a few times; the answer, whatever its status, is the line's result.
 */
final class LoopbackClient implements AutoCloseable {
    /** Tells the pipeline this is batch traffic (rate limiting may give it a lower priority than live calls). */
    static final String PRIORITY_VALUE = "batch";
    private static final long[] BACKOFF_MS = {200, 1000, 3000};

    /** What the gateway answered: status, its request id, content type and body. */
    record Answer(int status, String requestId, String contentType, Buffer body) {}

    private final Vertx vertx;
    private final io.vertx.core.Context context;
    private final HttpClient http;
    private final long timeoutMs;

    LoopbackClient(Vertx vertx, String host, int port, int connections, long timeoutMs) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.timeoutMs = timeoutMs;
        this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
                .setKeepAlive(true).setConnectTimeout(5_000), new PoolOptions().setHttp1MaxSize(connections));
    }

    /**
     * POSTs {@code body} to {@code path} with the batch's key and the line's stable Idempotency-Key. Fails only when
     * the gateway could not be reached after the retries, or when {@code stopping} says to give up.
     */
    Future<Answer> post(String path, String secret, String idempotencyKey, Buffer body, BooleanSupplier stopping) {
        // Runners call from their own (virtual) threads; every request and callback stays on one event loop.
        Promise<Answer> result = Promise.promise();
        context.runOnContext(v -> attempt(path, secret, idempotencyKey, body, stopping, 0, result));
        return result.future();
    }

    private void attempt(String path, String secret, String idem, Buffer body, BooleanSupplier stopping, int n,
                         Promise<Answer> result) {
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setURI(path).setIdleTimeout(timeoutMs)
                .putHeader("authorization", "Bearer " + secret)
                .putHeader("content-type", "application/json")
                .putHeader(Headers.SLUICE_PRIORITY, PRIORITY_VALUE)
                .putHeader(Headers.IDEMPOTENCY_KEY, idem);
        http.request(ro)
                .compose(req -> req.send(body))
                .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.getHeader(Headers.REQUEST_ID),
                        resp.getHeader("content-type"), b)))
                .onSuccess(result::tryComplete)
                .onFailure(err -> {
                    if (n >= BACKOFF_MS.length || stopping.getAsBoolean()) {
                        result.tryFail(err);
                        return;
                    }
                    vertx.setTimer(BACKOFF_MS[n], t -> attempt(path, secret, idem, body, stopping, n + 1, result));
                });
    }

    @Override
    public void close() {
        http.close();
    }
}
