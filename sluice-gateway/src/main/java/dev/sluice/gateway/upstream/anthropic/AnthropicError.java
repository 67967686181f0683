package dev.sluice.gateway.upstream.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.protocol.ErrorKind;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Anthropic's error table: every {@code error.type} Anthropic documents (and the status it comes with) → the
 * catalogue row the caller gets and whose problem it is. Two rows are told apart by more than the type:
 * "prompt is too long" inside an {@code invalid_request_error} is the contract's {@code context_length_exceeded},
 * and a {@code rate_limit_error} whose {@code error.details.error_code} is {@code enforced_spend_limit_reached} is
 * the monthly spend cap of Sluice's Anthropic account — no retry can pass until the month ends, so the deployment
 * leaves rotation and the operator is alerted; the caller is not blamed.
 */
enum AnthropicError {
    INVALID_REQUEST("invalid_request_error", 400, ErrorKind.INVALID_VALUE, Blame.CALLER),
    PROMPT_TOO_LONG("invalid_request_error", 400, ErrorKind.CONTEXT_LENGTH_EXCEEDED, Blame.CALLER),
    AUTHENTICATION("authentication_error", 401, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    BILLING("billing_error", 402, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    PERMISSION("permission_error", 403, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    NOT_FOUND("not_found_error", 404, ErrorKind.MODEL_NOT_FOUND, Blame.CALLER),
    CONFLICT("conflict_error", 409, ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    REQUEST_TOO_LARGE("request_too_large", 413, ErrorKind.REQUEST_TOO_LARGE, Blame.CALLER),
    RATE_LIMIT("rate_limit_error", 429, ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY),
    SPEND_LIMIT("rate_limit_error", 429, ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    API_ERROR("api_error", 500, ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    TIMEOUT("timeout_error", 504, ErrorKind.UPSTREAM_TIMEOUT, Blame.PROVIDER),
    OVERLOADED("overloaded_error", 529, ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY);

    private static final Pattern TOO_LONG = Pattern.compile("prompt is too long:\\s*(\\d+) tokens\\s*>\\s*(\\d+)");

    private final String type;
    private final int status;
    private final ErrorKind kind;
    private final Blame blame;

    AnthropicError(String type, int status, ErrorKind kind, Blame blame) {
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
     * The row of an Anthropic error object ({@code {"type": "…", "message": "…", "details": …}}), falling back to
     * the status when the type is unknown or missing (a proxy's HTML page, an empty body).
     */
    public static AnthropicError of(int status, JsonNode error) {
        String type = error == null ? "" : error.path("type").asText("");
        String message = error == null ? "" : error.path("message").asText("");
        if (type.equals("invalid_request_error") && message.toLowerCase().contains("prompt is too long")) {
            return PROMPT_TOO_LONG;
        }
        if (type.equals("rate_limit_error")
                && "enforced_spend_limit_reached".equals(error.path("details").path("error_code").asText(null))) {
            return SPEND_LIMIT;
        }
        Optional<AnthropicError> byType = Arrays.stream(values())
                .filter(e -> e.type.equals(type) && e != PROMPT_TOO_LONG && e != SPEND_LIMIT).findFirst();
        if (byType.isPresent()) return byType.get();
        return Arrays.stream(values()).filter(e -> e.status == status && e != PROMPT_TOO_LONG && e != SPEND_LIMIT)
                .findFirst().orElse(status >= 500 ? API_ERROR : status == 429 ? RATE_LIMIT
                        : status >= 400 && status < 500 ? INVALID_REQUEST : API_ERROR);
    }

    /** This row as the attempt's outcome; {@code message} is Anthropic's own text. */
    Failure failure(String message, Blame.Context c, long retryAfterMs) {
        if (this == PROMPT_TOO_LONG) {
            Matcher m = TOO_LONG.matcher(message == null ? "" : message);
            String text = m.find() ? kind.error("max", m.group(2), "n", m.group(1), "completion", "").message()
                    : message;
            return blame.failure(kind, text, "messages", c, -1, false);
        }
        if (this == NOT_FOUND) {
            return blame.failure(kind, "The model '" + c.model() + "' does not exist or you do not have access to "
                    + "it.", "model", c, -1, false);
        }
        return blame.failure(kind, message, null, this == OVERLOADED ? c.asOverloaded() : c, retryAfterMs,
                this == SPEND_LIMIT);
    }
}
