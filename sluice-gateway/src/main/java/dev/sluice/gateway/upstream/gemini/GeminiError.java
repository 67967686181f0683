package dev.sluice.gateway.upstream.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.protocol.Durations;
import dev.sluice.protocol.ErrorKind;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gemini's error table: every {@code google.rpc.Status} the Gemini API answers with (and its HTTP status) → the
 * catalogue row the caller gets and whose problem it is. Rows told apart by more than the status: an
 * {@code INVALID_ARGUMENT} whose {@code ErrorInfo.reason} is {@code API_KEY_INVALID} is Sluice's key, not the caller's
 * request; one saying the input token count exceeds the maximum is {@code context_length_exceeded}; a
 * {@code FAILED_PRECONDITION} "User location is not supported" refuses the gateway's own egress region (like the
 * free-tier/billing precondition, it is Sluice's account: another deployment is tried, the circuit opens at once, the
 * operator is alerted). {@code RESOURCE_EXHAUSTED} carries its wait in {@code RetryInfo.retryDelay}.
 */
enum GeminiError {
    INVALID_ARGUMENT(400, "INVALID_ARGUMENT", ErrorKind.INVALID_VALUE, Blame.CALLER),
    INPUT_TOO_LONG(400, "INVALID_ARGUMENT", ErrorKind.CONTEXT_LENGTH_EXCEEDED, Blame.CALLER),
    API_KEY_INVALID(400, "INVALID_ARGUMENT", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    LOCATION_NOT_SUPPORTED(400, "FAILED_PRECONDITION", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    FAILED_PRECONDITION(400, "FAILED_PRECONDITION", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    UNAUTHENTICATED(401, "UNAUTHENTICATED", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    PERMISSION_DENIED(403, "PERMISSION_DENIED", ErrorKind.BAD_GATEWAY, Blame.ACCOUNT),
    NOT_FOUND(404, "NOT_FOUND", ErrorKind.MODEL_NOT_FOUND, Blame.CALLER),
    ABORTED(409, "ABORTED", ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    RESOURCE_EXHAUSTED(429, "RESOURCE_EXHAUSTED", ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY),
    CANCELLED(499, "CANCELLED", ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    INTERNAL(500, "INTERNAL", ErrorKind.BAD_GATEWAY, Blame.PROVIDER),
    UNAVAILABLE(503, "UNAVAILABLE", ErrorKind.UPSTREAM_UNAVAILABLE, Blame.CAPACITY),
    DEADLINE_EXCEEDED(504, "DEADLINE_EXCEEDED", ErrorKind.UPSTREAM_TIMEOUT, Blame.PROVIDER);

    private static final Pattern TOO_LONG =
            Pattern.compile("input token count \\(?(\\d+)\\)? exceeds the maximum number of tokens allowed \\(?(\\d+)");

    private final int http;
    private final String status;
    private final ErrorKind kind;
    private final Blame blame;

    GeminiError(int http, String status, ErrorKind kind, Blame blame) {
        this.http = http;
        this.status = status;
        this.kind = kind;
        this.blame = blame;
    }

    public int http() { return http; }

    public String status() { return status; }

    public ErrorKind kind() { return kind; }

    public Blame blame() { return blame; }

    /** The row of a {@code google.rpc.Status} ({@code {"code", "message", "status", "details"}}), else by HTTP status. */
    public static GeminiError of(int httpStatus, JsonNode error) {
        String status = error == null ? "" : error.path("status").asText("");
        String message = error == null ? "" : error.path("message").asText("");
        if (status.equals("INVALID_ARGUMENT")) {
            if (reason(error, "API_KEY_INVALID") || message.startsWith("API key not valid")) return API_KEY_INVALID;
            if (TOO_LONG.matcher(message).find()) return INPUT_TOO_LONG;
            return INVALID_ARGUMENT;
        }
        if (status.equals("FAILED_PRECONDITION")) {
            return message.contains("User location is not supported") ? LOCATION_NOT_SUPPORTED : FAILED_PRECONDITION;
        }
        for (GeminiError e : values()) {
            if (e.status.equals(status)) return e;
        }
        int code = httpStatus > 0 ? httpStatus : error == null ? 500 : error.path("code").asInt(500);
        for (GeminiError e : values()) {
            if (e.http == code) return e; // the first row of a status is its general one
        }
        return code >= 500 ? INTERNAL : code == 429 ? RESOURCE_EXHAUSTED : INVALID_ARGUMENT;
    }

    private static boolean reason(JsonNode error, String reason) {
        for (JsonNode d : error.path("details")) if (reason.equals(d.path("reason").asText())) return true;
        return false;
    }

    /** {@code RetryInfo.retryDelay} ({@code "37s"}, {@code "1.5s"}) in ms, or -1. */
    static long retryDelayMs(JsonNode error) {
        if (error == null) return -1;
        for (JsonNode d : error.path("details")) {
            if (d.path("@type").asText("").endsWith("google.rpc.RetryInfo")) {
                return Durations.parse(d.path("retryDelay").asText("")).map(Duration::toMillis).orElse(-1L);
            }
        }
        return -1;
    }

    /** This row as the attempt's outcome; {@code message} is Gemini's own text. */
    Failure failure(String message, Blame.Context c, long retryAfterMs) {
        if (this == INPUT_TOO_LONG) {
            Matcher m = TOO_LONG.matcher(message == null ? "" : message);
            String text = m.find() ? kind.error("max", m.group(2), "n", m.group(1), "completion", "").message()
                    : message;
            return blame.failure(kind, text, "messages", c, -1, false);
        }
        if (this == NOT_FOUND) {
            return blame.failure(kind, "The model '" + c.model() + "' does not exist or you do not have access to "
                    + "it.", "model", c, -1, false);
        }
        boolean trip = this == LOCATION_NOT_SUPPORTED || this == FAILED_PRECONDITION;
        return blame.failure(kind, message, null, this == UNAVAILABLE ? c.asOverloaded() : c, retryAfterMs, trip);
    }
}
