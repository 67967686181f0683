package dev.sluice.client;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What one attempt produced: an HTTP answer (status, headers, error type/code) or a failure without an answer. */
public sealed interface HttpOutcome {

    /** An answer; {@code errorType}/{@code errorCode} come from the error body when it could be read, else null. */
    record Response(int status, HttpHeaders headers, String errorType, String errorCode) implements HttpOutcome {}

    /** No answer: connection refused or reset, timeout, cancellation, or a stream that failed after its first byte. */
    record Failure(Throwable error) implements HttpOutcome {}

    static HttpOutcome of(Throwable error) {
        if (error instanceof ApiStatusException e) return new Response(e.status(), e.headers(), e.type(), e.code());
        return new Failure(error);
    }

    /** Convenience for tests and tools: headers as a single-valued map. */
    static Response response(int status, Map<String, String> headers, String errorType, String errorCode) {
        Map<String, List<String>> multi = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> multi.put(k, List.of(v)));
        return new Response(status, HttpHeaders.of(multi, (a, b) -> true), errorType, errorCode);
    }
}
