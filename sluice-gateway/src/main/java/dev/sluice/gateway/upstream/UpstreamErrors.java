package dev.sluice.gateway.upstream;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.Durations;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.ErrorKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Maps what an upstream answered into the catalogue (errors.md, "Upstream errors"): never passed through raw. Client
 * mistakes (400/404/422) keep an OpenAI-shaped body's fields or are normalised by status; the upstream's credential
 * problems (401/403) are Sluice's fault and become 502 with an operator alert; capacity problems become 503.
 */
public final class UpstreamErrors {
    private static final Logger ALERT = LoggerFactory.getLogger("sluice.alert");

    private UpstreamErrors() {}

    public static ApiException fromStatus(int status, String body, String model, String deployment) {
        Optional<ApiError> parsed = ErrorBodies.parse(body);
        boolean openAiShaped = body != null && body.contains("\"error\"") && parsed.isPresent();
        return fromStatus(status, parsed, openAiShaped, body, model, deployment);
    }

    /**
     * The same mapping for an error body a provider adapter has already read: {@code openAiShaped} keeps its fields
     * for 400/404/422; otherwise its message (and param, if the adapter found one) is normalised by status.
     */
    public static ApiException fromStatus(int status, Optional<ApiError> parsed, boolean openAiShaped, String body,
                                          String model, String deployment) {
        switch (status) {
            case 400, 404, 422 -> {
                ErrorKind kind = ErrorKind.forStatus(status).orElseThrow();
                if (openAiShaped) {
                    ApiError e = parsed.get();
                    ErrorKind k = ErrorKind.match(status, e.type(), e.code()).orElse(kind);
                    return new ApiException(k, new ApiError(e.message(), e.type(), e.param(), e.code()));
                }
                String msg = parsed.map(ApiError::message).filter(m -> !m.isBlank())
                        .orElse(plain(body, status == 404 ? "The requested resource was not found upstream."
                                : "The upstream provider rejected the request."));
                if (status == 404) {
                    return new ApiException(ErrorKind.MODEL_NOT_FOUND, ErrorKind.MODEL_NOT_FOUND.errorAt("model",
                            "model", model)).withMessage(msg + " (model '" + model + "')");
                }
                String param = parsed.map(ApiError::param).orElse(null);
                return new ApiException(kind, new ApiError(msg, kind.type(), param, kind.code()));
            }
            case 401, 403 -> {
                ALERT.error("upstream rejected Sluice's provider credential: deployment={} model={} status={}",
                        deployment, model, status);
                return ApiException.of(ErrorKind.BAD_GATEWAY);
            }
            case 408, 504 -> {
                return ApiException.of(ErrorKind.UPSTREAM_TIMEOUT, "timeout", "its own deadline");
            }
            case 429, 503 -> {
                return ApiException.of(ErrorKind.UPSTREAM_UNAVAILABLE, "model", model);
            }
            default -> {
                return ApiException.of(ErrorKind.BAD_GATEWAY);
            }
        }
    }

    public static ApiException timeout(long millis) {
        return ApiException.of(ErrorKind.UPSTREAM_TIMEOUT, "timeout", Durations.formatMillis(millis));
    }

    /** The upstream refused the connection: nothing is listening there. */
    public static ApiException unreachable(String model) {
        return ApiException.of(ErrorKind.UPSTREAM_UNAVAILABLE, "model", model);
    }

    private static String plain(String body, String fallback) {
        if (body == null) return fallback;
        String t = body.strip();
        if (t.isEmpty() || t.startsWith("<") || t.startsWith("{") || t.length() > 500) return fallback;
        return t;
    }
}
