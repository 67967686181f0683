package dev.sluice.gateway.pipeline;

import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that ends in a catalogue error. Thrown or failed by stages, turned into the JSON error answer in one place
 * ({@code ErrorResponses}). No stack trace: rejections are a normal, hot outcome.
 */
public final class ApiException extends RuntimeException {
    private final ErrorKind kind;
    private final ApiError error;
    private final Map<String, String> headers;

    public ApiException(ErrorKind kind, ApiError error) {
        this(kind, error, Map.of());
    }

    public ApiException(ErrorKind kind, ApiError error, Map<String, String> headers) {
        super(error.message(), null, false, false);
        this.kind = kind;
        this.error = error;
        this.headers = headers;
    }

    public static ApiException of(ErrorKind kind, String... vars) {
        return new ApiException(kind, kind.error(vars));
    }

    public static ApiException at(ErrorKind kind, String param, String... vars) {
        return new ApiException(kind, kind.errorAt(param, vars));
    }

    /** The same error with extra response headers (retry-after, rate-limit headers). */
    public ApiException withHeaders(Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.putAll(extra);
        return new ApiException(kind, error, all);
    }

    /** The same error with another message (used when an upstream's own wording is kept). */
    public ApiException withMessage(String message) {
        return new ApiException(kind, new ApiError(message, error.type(), error.param(), error.code()), headers);
    }

    public ErrorKind kind() { return kind; }

    public ApiError error() { return error; }

    public int status() { return kind.status(); }

    public Map<String, String> headers() { return headers; }
}
