package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.RequestIds;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The contract below the router: what a request that HTTP itself refused (a Netty decoder failure, or a refusal the
 * {@link ConnectionGuard} marked on it) is answered with, as a catalogue error, and the raw Netty response for the
 * answers the guard writes itself. Nothing here echoes what the client sent.
 */
public final class WireErrors {
    private WireErrors() {}

    /** A refusal the guard attaches to a request as its decoder failure; carries the answer, not a stack. */
    static final class Refusal extends RuntimeException {
        final ApiException answer;

        Refusal(ApiException answer) {
            super(answer.error().message(), null, false, false);
            this.answer = answer;
        }
    }

    /** The catalogue error for a request the HTTP layer could not accept. */
    static ApiException of(Throwable cause, int maxUrlBytes, int maxHeaderBytes) {
        if (cause instanceof Refusal r) return r.answer;
        if (cause instanceof TooLongHttpLineException) {
            return ApiException.of(ErrorKind.URI_TOO_LONG, "max", String.valueOf(maxUrlBytes));
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ApiException.of(ErrorKind.HEADERS_TOO_LARGE, "max", String.valueOf(maxHeaderBytes));
        }
        return malformed(reason(cause));
    }

    static ApiException malformed(String why) {
        return ApiException.of(ErrorKind.MALFORMED_REQUEST, "why", why);
    }

    /** A fixed wording per kind of decoder failure (the decoder's own message may quote the client's bytes). */
    private static String reason(Throwable cause) {
        String m = cause == null || cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("content-length")) return "conflicting or invalid Content-Length";
        if (m.contains("transfer-encoding")) return "invalid Transfer-Encoding";
        if (m.contains("version")) return "unsupported protocol version";
        if (m.contains("chunk")) return "invalid chunk size";
        if (m.contains("header") || m.contains("name") || m.contains("value")) return "invalid header syntax";
        return "invalid request syntax";
    }

    /** Answers a request Vert.x routed to the invalid-request handler, with the contract, and closes after it. */
    static void answer(HttpServerRequest req, ApiException e, String requestId) {
        HttpServerResponse res = req.response();
        if (res.headWritten()) {
            res.reset();
            return;
        }
        String id = requestId == null ? RequestIds.next() : requestId;
        ApiException out = ErrorResponses.forCaller(e, id);
        res.setStatusCode(out.status());
        headers(out, id).forEach(res::putHeader);
        res.end(out.error().toJson());
    }

    /** The same answer as a raw Netty response, for the guard (no Vert.x request exists or can answer). */
    static FullHttpResponse raw(ApiException e, String requestId) {
        String id = requestId == null ? RequestIds.next() : requestId;
        e = ErrorResponses.forCaller(e, id);
        requestId = id;
        byte[] body = e.error().toJson().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(e.status()),
                Unpooled.wrappedBuffer(body));
        headers(e, requestId).forEach((k, v) -> r.headers().set(k, v));
        r.headers().set("content-length", String.valueOf(body.length));
        return r;
    }

    private static Map<String, String> headers(ApiException e, String requestId) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        h.put("content-type", "application/json");
        h.put(Headers.REQUEST_ID, requestId == null ? RequestIds.next() : requestId);
        h.put(Headers.SHOULD_RETRY, String.valueOf(e.kind().shouldRetry()));
        h.put(Headers.OPENAI_VERSION, Headers.OPENAI_VERSION_VALUE);
        h.put(Headers.PROCESSING_MS, "0");
        h.put("connection", "close");
        h.putAll(e.headers());
        return h;
    }

    /**
     * The HTTP server's invalid-request handler: the contract answer (431, 414, 417 or 400 malformed_request), one
     * counted and rate-limited WARN line, an access line; Vert.x closes the connection after it.
     */
    public static io.vertx.core.Handler<HttpServerRequest> invalidRequestHandler(ClientMistakes mistakes,
                                                                                int maxUrlBytes, int maxHeaderBytes) {
        return req -> {
            String id = RequestIds.next();
            Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
            ApiException e = of(cause, maxUrlBytes, maxHeaderBytes);
            mistakes.record(e.error().code(), id, cause instanceof Refusal ? e.error().message()
                    : cause == null ? "-" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
            AccessLog.connection(id, e, req.remoteAddress() == null ? null : req.remoteAddress().hostAddress());
            answer(req, e, id);
        };
    }
}
