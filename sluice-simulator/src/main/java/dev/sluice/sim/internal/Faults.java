package dev.sluice.sim.internal;

import dev.sluice.protocol.Hashes;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.KeyMask;
import io.vertx.core.buffer.Buffer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The faults that happen before an answer starts: {@code hang}, {@code delay_ms}, {@code status}/{@code fail_times},
 * and for whole answers {@code malformed} and {@code disconnect_after}. Stream faults are the stream writer's job.
 */
final class Faults {
    /** Response header with the attempt number of a {@code fail_times} request, so tests can see retries arrive. */
    static final String ATTEMPT_HEADER = "x-sluice-sim-attempt";

    private final Attempts attempts;

    Faults(Attempts attempts) {
        this.attempts = attempts;
    }

    void run(Exchange ex, Directives d, SimCall call, Runnable answer) {
        run(ex, d, call, answer, Dialect.OPENAI);
    }

    /** Runs the faults {@code d} asks for, failing in {@code dialect}'s shapes, else {@code answer}. */
    void run(Exchange ex, Directives d, SimCall call, Runnable answer, Dialect dialect) {
        if (d.hang()) return; // stays open until the client leaves; the exchange's close hook releases it
        boolean fail = d.failing();
        if (d.failTimes() >= 0) {
            int attempt = attempts.next(attemptKey(ex, d));
            ex.response().putHeader(ATTEMPT_HEADER, String.valueOf(attempt));
            fail = attempt <= d.failTimes();
        }
        boolean failing = fail;
        Runnable next = () -> {
            try {
                if (failing) {
                    dialect.fault(ex, d.status(), d, call).send(ex);
                } else if (!call.stream() && d.disconnectAfter() >= 0) {
                    ex.disconnect();
                } else if (!call.stream() && d.malformed()) {
                    Replies.malformed(ex);
                } else {
                    answer.run();
                }
            } catch (SimError e) {
                dialect.rejected(ex, e).send(ex);
            } catch (NativeError e) {
                e.send(ex);
            } catch (RuntimeException e) {
                SimRoutes.internalError(ex, e);
            }
        };
        if (d.delayMs() > 0) ex.after(d.delayMs(), next);
        else next.run();
    }

    /**
     * Attempts of one request share a key: its Idempotency-Key if sent, else a hash of its body; the route and the
     * directive text are part of the key so the same body under another fault plan counts separately.
     */
    static String attemptKey(Exchange ex, Directives d) {
        String path = ex.ctx().request().path();
        String idem = ex.ctx().request().getHeader(Headers.IDEMPOTENCY_KEY);
        if (idem != null && !idem.isBlank()) return "key|" + path + "|" + d.source() + "|" + idem;
        Buffer body = ex.ctx().body().buffer();
        return "body|" + path + "|" + d.source() + "|" + Hashes.sha256Hex(body == null ? new byte[0] : body.getBytes());
    }

    /** The OpenAI-shaped error a real upstream sends with this status. */
    static ApiError simulated(int status, String model, String requestId) {
        String m = model == null ? "sim-mini" : model;
        return switch (status) {
            case 400 -> ErrorKind.INVALID_VALUE.errorAt(SimRoutes.SIM_HEADER, "why",
                    "the simulator was asked to reject this request (status=400)");
            case 401 -> ErrorKind.INVALID_API_KEY.error("masked", KeyMask.mask("sk-sim-upstream-credential"));
            case 403 -> ErrorKind.MODEL_NOT_ALLOWED.error("project", "proj_sim", "model", m);
            case 404 -> ErrorKind.MODEL_NOT_FOUND.errorAt("model", "model", m);
            case 409 -> ErrorKind.CONFLICT.error("detail", "The simulator was asked to report a conflict.");
            case 422 -> ErrorKind.UNPROCESSABLE_ENTITY.error("detail",
                    "The simulator was asked to report an unprocessable entity.");
            case 429 -> ErrorKind.RATE_LIMIT_REQUESTS.error("model", m, "org", "org-sim", "project", "",
                    "limit_name", "requests per min", "limit_abbr", "RPM", "limit", "60", "used", "60",
                    "requested", "1", "wait", "1s");
            case 502 -> ErrorKind.BAD_GATEWAY.error();
            case 503 -> ErrorKind.SERVER_OVERLOADED.error();
            case 504 -> ErrorKind.UPSTREAM_TIMEOUT.error("timeout", "60s");
            default -> ErrorKind.INTERNAL_ERROR.error("request_id", requestId);
        };
    }

    static Map<String, String> headersFor(int status) {
        if (status != 429) return Map.of();
        Map<String, String> h = new LinkedHashMap<>();
        h.put(Headers.RETRY_AFTER, "1");
        h.put(Headers.RETRY_AFTER_MS, "1000");
        h.put(Headers.LIMIT_REQUESTS, "60");
        h.put(Headers.REMAINING_REQUESTS, "0");
        h.put(Headers.RESET_REQUESTS, "1s");
        return h;
    }
}
