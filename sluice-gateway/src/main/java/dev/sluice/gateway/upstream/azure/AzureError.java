package dev.sluice.gateway.upstream.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.protocol.ErrorKind;

/**
 * Azure OpenAI's error table. Azure sends OpenAI's error object for what the model rejects (kept field for field) and
 * its own {@code {"error": {"code": "429" | "DeploymentNotFound" | …, "message": …}}} for what the service
 * rejects; rows are chosen by HTTP status and the structured {@code code}, never by words inside a message (a
 * "429" quoted in a 400's message is still a 400).
 */
enum AzureError {
    /** OpenAI-shaped 400/404/422 from the model: its fields are kept. */
    OPENAI_SHAPED(0, null, ErrorKind.INVALID_VALUE, Blame.CALLER),
    /** 400 {@code content_filter} (with {@code innererror.content_filter_result}): the prompt was filtered. */
    CONTENT_FILTER(400, "content_filter", ErrorKind.CONTENT_FILTERED, Blame.CALLER),
    /** Any other 400 of the service. */
    BAD_REQUEST(400, null, ErrorKind.INVALID_VALUE, Blame.CALLER),
    /** 401: Sluice's key or token is refused. */
    UNAUTHORIZED(401, "401", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    /** 403: the resource refuses Sluice (network rules, disabled key auth, region). */
    FORBIDDEN(403, "403", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    /** 404 {@code DeploymentNotFound}: Sluice's config names a deployment the resource lacks. */
    DEPLOYMENT_NOT_FOUND(404, "DeploymentNotFound", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    /** 408 / 504: the service timed out. */
    TIMEOUT(504, "Timeout", ErrorKind.UPSTREAM_TIMEOUT, Blame.PROVIDER),
    /** 429: the deployment's tokens- or requests-per-minute quota. */
    RATE_LIMIT(429, "429", ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY),
    /** 500 and other 5xx. */
    SERVER_ERROR(500, "InternalServerError", ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    /** 503: the service is overloaded. */
    UNAVAILABLE(503, "ServiceUnavailable", ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY);

    private final int status;
    private final String code;
    private final ErrorKind kind;
    private final Blame blame;

    AzureError(int status, String code, ErrorKind kind, Blame blame) {
        this.status = status;
        this.code = code;
        this.kind = kind;
        this.blame = blame;
    }

    public int status() { return status; }

    public String code() { return code; }

    public ErrorKind kind() { return kind; }

    public Blame blame() { return blame; }

    /** The row of an answer: {@code error} is the body's error object, or null. */
    public static AzureError of(int status, JsonNode error) {
        String code = error == null ? "" : error.path("code").asText("");
        return switch (status) {
            case 400, 404, 422 -> {
                if (status == 400 && code.equals("content_filter")) yield CONTENT_FILTER;
                if (status == 404 && code.equals("DeploymentNotFound")) yield DEPLOYMENT_NOT_FOUND;
                if (error != null && error.has("type") && error.has("message")) yield OPENAI_SHAPED;
                yield status == 404 ? DEPLOYMENT_NOT_FOUND : BAD_REQUEST;
            }
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 408, 504 -> TIMEOUT;
            case 429 -> RATE_LIMIT;
            case 503 -> UNAVAILABLE;
            default -> status >= 500 ? SERVER_ERROR : BAD_REQUEST;
        };
    }
}
