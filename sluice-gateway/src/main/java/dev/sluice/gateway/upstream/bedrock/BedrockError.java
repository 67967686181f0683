package dev.sluice.gateway.upstream.bedrock;

import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.protocol.ErrorKind;

import java.util.Locale;

/**
 * Bedrock's error table: every error type the runtime answers with ({@code x-amzn-ErrorType}, or the
 * {@code :exception-type} of an exception frame mid-stream) → the catalogue row the caller gets and whose problem it
 * is. A {@code ValidationException} saying the input is too long is the contract's {@code context_length_exceeded};
 * refused signatures, credentials, model access and the account's service quota are Sluice's account, never the
 * caller's request: 502, an operator alert, another deployment.
 */
enum BedrockError {
    VALIDATION("ValidationException", 400, ErrorKind.INVALID_VALUE, Blame.CALLER),
    INPUT_TOO_LONG("ValidationException", 400, ErrorKind.CONTEXT_LENGTH_EXCEEDED, Blame.CALLER),
    UNRECOGNIZED_CLIENT("UnrecognizedClientException", 403, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    INVALID_SIGNATURE("InvalidSignatureException", 403, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    INCOMPLETE_SIGNATURE("IncompleteSignatureException", 403, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    MISSING_AUTHENTICATION("MissingAuthenticationTokenException", 403, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    EXPIRED_TOKEN("ExpiredTokenException", 403, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    ACCESS_DENIED("AccessDeniedException", 403, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    SERVICE_QUOTA_EXCEEDED("ServiceQuotaExceededException", 400, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    RESOURCE_NOT_FOUND("ResourceNotFoundException", 404, ErrorKind.MODEL_NOT_FOUND, Blame.CALLER),
    CONFLICT("ConflictException", 409, ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    MODEL_TIMEOUT("ModelTimeoutException", 408, ErrorKind.UPSTREAM_TIMEOUT, Blame.PROVIDER),
    MODEL_ERROR("ModelErrorException", 424, ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    MODEL_STREAM_ERROR("ModelStreamErrorException", 424, ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    THROTTLING("ThrottlingException", 429, ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY),
    MODEL_NOT_READY("ModelNotReadyException", 429, ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY),
    SERVICE_UNAVAILABLE("ServiceUnavailableException", 503, ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY),
    INTERNAL_SERVER("InternalServerException", 500, ErrorKind.BAD_GATEWAY, Blame.PROVIDER);

    private final String type;
    private final int status;
    private final ErrorKind kind;
    private final Blame blame;

    BedrockError(String type, int status, ErrorKind kind, Blame blame) {
        this.type = type;
        this.status = status;
        this.kind = kind;
        this.blame = blame;
    }

    public String type() { return type; }

    public int status() { return status; }

    public ErrorKind kind() { return kind; }

    public Blame blame() { return blame; }

    /**
     * The row of an error type as AWS writes it ({@code ThrottlingException},
     * {@code ThrottlingException:http://internal.amazon.com/...}, {@code com.amazon...#ThrottlingException}, or a
     * frame's {@code throttlingException}), else of the HTTP status ({@code 0} mid-stream: internal).
     */
    public static BedrockError of(int status, String type, String message) {
        String t = type == null ? "" : type.strip();
        int colon = t.indexOf(':');
        if (colon >= 0) t = t.substring(0, colon);
        int hash = t.lastIndexOf('#');
        if (hash >= 0) t = t.substring(hash + 1);
        if (!t.isEmpty()) t = Character.toUpperCase(t.charAt(0)) + t.substring(1);
        if (t.equals("ValidationException")) return tooLong(message) ? INPUT_TOO_LONG : VALIDATION;
        for (BedrockError e : values()) {
            if (e.type.equals(t)) return e;
        }
        for (BedrockError e : values()) {
            if (e.status == status) return e == VALIDATION && tooLong(message) ? INPUT_TOO_LONG : e;
        }
        return status == 429 ? THROTTLING : status >= 400 && status < 500 && status != 0 ? VALIDATION
                : INTERNAL_SERVER;
    }

    private static boolean tooLong(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return m.contains("input is too long") || m.contains("too many input tokens")
                || m.contains("prompt is too long") || m.contains("exceeds the context window");
    }

    /** This row as the attempt's outcome; {@code message} is Bedrock's own text. */
    Failure failure(String message, Blame.Context c, long retryAfterMs) {
        if (this == INPUT_TOO_LONG) {
            return blame.failure(kind, "This model's maximum context length was exceeded: " + message
                    + " Please reduce the length of the messages.", "messages", c, -1, false);
        }
        if (this == RESOURCE_NOT_FOUND) {
            return blame.failure(kind, "The model '" + c.model() + "' does not exist or you do not have access to "
                    + "it.", "model", c, -1, false);
        }
        return blame.failure(kind, message, null, this == SERVICE_UNAVAILABLE ? c.asOverloaded() : c, retryAfterMs,
                false);
    }
}
