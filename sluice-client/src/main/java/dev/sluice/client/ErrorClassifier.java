package dev.sluice.client;

import dev.sluice.client.internal.RetryAfter;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.NextAction;

import java.io.IOException;
import java.util.Optional;

/**
 * What to do next about a failure (errors.md, "Client SDK"): 400/422 fix the request, 401/403 fix access, 404 check
 * the resource, 429 slow down (rate) or check quota ({@code insufficient_quota}), ≥ 500 and connection failures retry
 * later, anything else inspect the logs. A stream error has no status of its own: its code is looked up in the
 * catalogue and the row's status decides.
 */
public final class ErrorClassifier {
    private ErrorClassifier() {}

    public static NextAction classify(Throwable error) {
        Throwable e = RetryPolicy.unwrap(error);
        return switch (e) {
            case ApiStatusException s -> classify(s.status(), s.type(), s.code());
            case StreamException s -> classifyStreamError(s.type(), s.code());
            case ApiConnectionException c -> NextAction.RETRY_LATER;
            case IOException io -> NextAction.RETRY_LATER;
            case null, default -> NextAction.INSPECT_LOGS;
        };
    }

    /** The rule for an HTTP error answer. */
    public static NextAction classify(int status, String type, String code) {
        return switch (status) {
            case 400, 422 -> NextAction.FIX_REQUEST;
            case 401, 403 -> NextAction.FIX_ACCESS;
            case 404 -> NextAction.CHECK_RESOURCE;
            case 429 -> RetryAfter.isQuota(type, code) ? NextAction.CHECK_QUOTA : NextAction.SLOW_DOWN;
            default -> status >= 500 ? NextAction.RETRY_LATER : NextAction.INSPECT_LOGS;
        };
    }

    /** An in-band stream error: the catalogue row of its code gives the status; a bare server_error retries later. */
    public static NextAction classifyStreamError(String type, String code) {
        Optional<ErrorKind> kind = statusOf(type, code).flatMap(st -> ErrorKind.match(st, type, code));
        if (kind.isPresent()) return classify(kind.get().status(), type, code);
        if ("server_error".equals(type)) return NextAction.RETRY_LATER;
        return NextAction.INSPECT_LOGS;
    }

    /** The catalogue status of an error seen without one (in a stream or a body alone), by code then type. */
    public static Optional<Integer> statusOf(String type, String code) {
        if (code != null) {
            for (ErrorKind k : ErrorKind.values()) {
                if (code.equals(k.code()) && (type == null || type.equals(k.type()))) return Optional.of(k.status());
            }
            for (ErrorKind k : ErrorKind.values()) {
                if (code.equals(k.code())) return Optional.of(k.status());
            }
        }
        if ("insufficient_quota".equals(type) || "requests".equals(type) || "tokens".equals(type)) return Optional.of(429);
        return Optional.empty();
    }
}
