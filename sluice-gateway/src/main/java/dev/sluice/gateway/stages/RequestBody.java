package dev.sluice.gateway.stages;

import dev.sluice.gateway.http.ConnectionGuard;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads the JSON body only once the caller is known: the request stays paused through authentication and the
 * access checks, so a stranger's body is never buffered. Within {@code max_body_bytes} (413 beyond), and within the
 * {@link BodyBudget} of bytes being received in all (503 server_overloaded) and per key (429 too_many_body_bytes),
 * both with {@code retry-after}. A declared {@code Content-Length} is reserved whole before the first byte is read.
 */
public final class RequestBody implements Stage {
    private final BodyBudget budget;
    private final long maxBytes;

    public RequestBody(BodyBudget budget, long maxBytes) {
        this.budget = budget;
        this.maxBytes = maxBytes;
    }

    @Override
    public StageOrder order() {
        return StageOrder.REQUEST_BODY;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (ex.body() != null || ex.request() == null || !"POST".equals(ex.method())) return next.proceed(ex);
        if (ex.request().isEnded()) {
            ex.body(Buffer.buffer());
            return next.proceed(ex);
        }
        return new Reader(ex.request(), ex.caller() == null ? "-" : ex.caller().keyId()).read()
                .compose(body -> {
                    ex.body(body);
                    return next.proceed(ex);
                });
    }

    private ApiException tooLarge(String n) {
        return ApiException.of(ErrorKind.REQUEST_TOO_LARGE, "n", n, "max", String.valueOf(maxBytes));
    }

    /** One body on its way in: its reservation, its bytes, and the promise the pipeline waits on. */
    private final class Reader {
        private final HttpServerRequest req;
        private final String key;
        private final Promise<Buffer> done = Promise.promise();
        private Buffer buf;
        private long reserved;
        private boolean over;

        Reader(HttpServerRequest req, String key) {
            this.req = req;
            this.key = key;
        }

        Future<Buffer> read() {
            String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
            long declared = -1;
            if (length != null) {
                try {
                    declared = Long.parseLong(length.trim());
                } catch (NumberFormatException e) {
                    return Future.failedFuture(ApiException.of(ErrorKind.MALFORMED_REQUEST, "why",
                            "invalid Content-Length"));
                }
                if (declared > maxBytes) return Future.failedFuture(tooLarge(String.valueOf(declared)));
                if (!reserve(declared)) return done.future();
            }
            buf = Buffer.buffer((int) Math.min(declared > 0 ? declared : 1024, 64 * 1024));
            req.handler(this::chunk);
            req.exceptionHandler(t -> fail(ApiException.of(ErrorKind.MALFORMED_REQUEST, "why",
                    "the request body could not be read")));
            req.endHandler(v -> {
                if (over) return;
                budget.release(key, reserved);
                reserved = 0;
                done.tryComplete(buf);
            });
            if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) req.response().writeContinue();
            req.resume();
            return done.future();
        }

        private void chunk(Buffer b) {
            if (over) return;
            long size = (long) buf.length() + b.length();
            if (size > maxBytes) {
                fail(tooLarge("more than " + maxBytes));
                return;
            }
            if (size > reserved && !reserve(size - reserved)) return;
            buf.appendBuffer(b);
        }

        private boolean reserve(long n) {
            BodyBudget.Refusal r = budget.reserve(key, n);
            if (r == BodyBudget.Refusal.NONE) {
                reserved += n;
                return true;
            }
            fail(r == BodyBudget.Refusal.TOTAL
                    ? ApiException.of(ErrorKind.SERVER_OVERLOADED).withHeaders(ConnectionGuard.retryAfter(1))
                    : ApiException.of(ErrorKind.TOO_MANY_BODY_BYTES, "max", String.valueOf(budget.perKey()))
                    .withHeaders(ConnectionGuard.retryAfter(1)));
            return false;
        }

        private void fail(ApiException e) {
            if (over) return;
            over = true;
            budget.release(key, reserved);
            reserved = 0;
            buf = null;
            done.tryFail(e);
        }
    }
}
