package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/** Writes a catalogue error as the JSON answer: status, body, {@code x-should-retry} and the error's own headers. */
final class ErrorResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

    private ErrorResponses() {}

    /**
     * The catalogue error for a failed routing context: an {@link ApiException} as is, vertx-web's own 400/404/405/413
     * as their rows, and anything else as 500 internal_error (logged with its stack trace, answered without it).
     */
    public static ApiException fromFailure(RoutingContext ctx, String requestId, long maxBodyBytes) {
        return fromFailure(ctx, requestId, maxBodyBytes, null);
    }

    /**
     * As above; a failure of Netty's codecs (a form or multipart body that does not decode, a field or form over its
     * limit) is the client's mistake: 400 malformed_request, counted in {@code mistakes} (WARN, no stack).
     */
    public static ApiException fromFailure(RoutingContext ctx, String requestId, long maxBodyBytes,
                                           ClientMistakes mistakes) {
        return forCaller(classify(ctx, requestId, maxBodyBytes, mistakes), requestId);
    }

    /**
     * What every 5xx answer carries (errors.md): the request id at the end of its message, as OpenAI's server errors
     * do, and a retry hint; an error that brings none of its own (an upstream's, a breaker's) gets
     * {@link #SERVER_ERROR_RETRY_AFTER_MS}. Client errors are returned as they are.
     */
    public static ApiException forCaller(ApiException e, String requestId) {
        if (e.status() < 500) return e;
        ApiException out = e.withMessage(e.error().withRequestId(requestId).message());
        if (e.headers().containsKey(Headers.RETRY_AFTER) || e.headers().containsKey(Headers.RETRY_AFTER_MS)) return out;
        return out.withHeaders(Map.of(Headers.RETRY_AFTER, String.valueOf(SERVER_ERROR_RETRY_AFTER_MS / 1000),
                Headers.RETRY_AFTER_MS, String.valueOf(SERVER_ERROR_RETRY_AFTER_MS)));
    }

    /** The retry hint of a 5xx that has no better one (an internal fault). */
    public static final long SERVER_ERROR_RETRY_AFTER_MS = 1000;

    private static ApiException classify(RoutingContext ctx, String requestId, long maxBodyBytes,
                                         ClientMistakes mistakes) {
        Throwable cause = ctx.failure();
        if (fromCodec(cause)) {
            if (mistakes != null) mistakes.record("malformed_body", requestId, cause.getClass().getSimpleName());
            return ApiException.of(ErrorKind.MALFORMED_REQUEST, "why", "the request body could not be decoded");
        }
        String method = ctx.request().method().name();
        String path = ctx.request().path();
        if (cause instanceof ApiException api) return api;
        if (ctx.statusCode() == 413) {
            String declared = ctx.request().getHeader("content-length");
            // The unread rest of the body makes this connection unusable for another request.
            if (ctx.request().version() != HttpVersion.HTTP_2) ctx.response().putHeader("connection", "close");
            return ApiException.of(ErrorKind.REQUEST_TOO_LARGE, "n", declared != null ? declared
                    : "more than " + maxBodyBytes, "max", String.valueOf(maxBodyBytes));
        }
        if (cause == null && ctx.statusCode() == 405) {
            return ApiException.of(ErrorKind.METHOD_NOT_ALLOWED, "method", method, "path", path);
        }
        if (cause == null && ctx.statusCode() == 404) {
            return ApiException.of(ErrorKind.UNKNOWN_URL, "method", method, "path", path);
        }
        if (cause == null && ctx.statusCode() == 400) {
            return ApiException.of(ErrorKind.INVALID_JSON, "detail", "the request could not be read");
        }
        LOG.error("internal error request_id={} route={}", requestId, path, cause);
        return ApiException.of(ErrorKind.INTERNAL_ERROR, "request_id", requestId);
    }

    /**
     * True for a failure raised by Netty's codecs — their own exception types, or a JDK exception (an index out of
     * bounds, an IOException over a size limit) thrown from inside the multipart decoder: bytes the client sent.
     */
    static boolean fromCodec(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getName().startsWith("io.netty.handler.codec.")) return true;
            for (StackTraceElement e : c.getStackTrace()) {
                String cls = e.getClassName();
                if (cls.startsWith("java.") || cls.startsWith("jdk.")) continue;
                if (cls.startsWith("io.netty.handler.codec.http.multipart.")) return true;
                break;
            }
        }
        return false;
    }

    public static void write(HttpServerResponse out, ApiException e) {
        if (out.headWritten()) {
            out.reset();
            return;
        }
        out.setStatusCode(e.status());
        out.putHeader(io.vertx.core.http.HttpHeaders.CONTENT_TYPE, ResponseHeaders.APPLICATION_JSON);
        out.putHeader(ResponseHeaders.SHOULD_RETRY, e.kind().shouldRetry() ? ResponseHeaders.TRUE : ResponseHeaders.FALSE);
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            out.putHeader(ResponseHeaders.name(h.getKey()), h.getValue());
        }
        out.end(e.error().toJson());
    }
}
