package dev.sluice.sim.internal.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.sim.internal.Dialect;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Fields;
import dev.sluice.sim.internal.NativeError;
import dev.sluice.sim.internal.Replies;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.SimError;
import dev.sluice.sim.internal.SimRoutes;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Anthropic's errors: {@code {"type":"error","error":{"type":…,"message":…},"request_id":…}} with the status
 * Anthropic uses for each type. {@code status=N} picks the row of that status; {@code error=NAME} picks a row by
 * name — every documented type, plus {@code prompt_too_long} and {@code spend_limit} (the 429 whose
 * {@code error.details.error_code} is {@code enforced_spend_limit_reached}, sent without {@code retry-after}).
 */
final class AnthropicDialect implements Dialect {

    /** One simulated error: name (for {@code error=}), status, Anthropic type, message. */
    enum Row {
        INVALID_REQUEST("invalid_request_error", 400, "invalid_request_error",
                "messages: the simulator was asked to reject this request"),
        PROMPT_TOO_LONG("prompt_too_long", 400, "invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"),
        AUTHENTICATION("authentication_error", 401, "authentication_error", "invalid x-api-key"),
        BILLING("billing_error", 402, "billing_error", "Your credit balance is too low to access the Anthropic API."),
        PERMISSION("permission_error", 403, "permission_error", "Your API key does not have permission to use the specified resource."),
        NOT_FOUND("not_found_error", 404, "not_found_error", "model: sim-unknown"),
        CONFLICT("conflict_error", 409, "conflict_error", "Conflict."),
        REQUEST_TOO_LARGE("request_too_large", 413, "request_too_large", "Request exceeds the maximum allowed number of bytes."),
        UNPROCESSABLE("unprocessable", 422, "invalid_request_error", "The request could not be processed."),
        RATE_LIMIT("rate_limit_error", 429, "rate_limit_error", "This request would exceed the rate limit for your organization of 50 requests per minute."),
        SPEND_LIMIT("spend_limit", 429, "rate_limit_error", "You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC."),
        API_ERROR("api_error", 500, "api_error", "Internal server error"),
        BAD_GATEWAY("bad_gateway", 502, "api_error", "Bad gateway"),
        UNAVAILABLE("unavailable", 503, "overloaded_error", "Service unavailable"),
        TIMEOUT("timeout_error", 504, "timeout_error", "Request timed out"),
        OVERLOADED("overloaded_error", 529, "overloaded_error", "Overloaded");

        final String name;
        final int status;
        final String type;
        final String message;

        Row(String name, int status, String type, String message) {
            this.name = name;
            this.status = status;
            this.type = type;
            this.message = message;
        }

        /** The row {@code d} asks for: by {@code error=} name first, else by {@code status=}. */
        static Row of(Directives d, int status) {
            if (d.error() != null) {
                return Arrays.stream(values()).filter(r -> r.name.equals(d.error())).findFirst()
                        .orElseThrow(() -> Fields.invalid(SimRoutes.SIM_HEADER, "unknown anthropic error '" + d.error()
                                + "' (known: " + Arrays.stream(values()).map(r -> r.name).toList() + ")"));
            }
            int s = status >= 0 ? status : 500;
            return Arrays.stream(values()).filter(r -> r.status == s && r != PROMPT_TOO_LONG && r != SPEND_LIMIT)
                    .findFirst().orElse(API_ERROR);
        }

        /** The error object (inside the body, and the data of a mid-stream {@code error} event). */
        ObjectNode body(String requestId) {
            ObjectNode root = Replies.object().put("type", "error");
            ObjectNode e = root.putObject("error").put("type", type).put("message", message);
            if (this == SPEND_LIMIT) e.putObject("details").put("error_code", "enforced_spend_limit_reached");
            if (requestId != null) root.put("request_id", requestId);
            return root;
        }

        Map<String, String> headers() {
            Map<String, String> h = new LinkedHashMap<>();
            if (this == RATE_LIMIT) {
                h.put("retry-after", "1");
                h.put("anthropic-ratelimit-requests-limit", "50");
                h.put("anthropic-ratelimit-requests-remaining", "0");
                h.put("anthropic-ratelimit-requests-reset", Messages.resetIn(1));
            }
            if (this == OVERLOADED || this == UNAVAILABLE) h.put("retry-after", "1");
            if (this == SPEND_LIMIT) h.put("anthropic-ratelimit-requests-remaining", "0");
            h.put("x-should-retry", String.valueOf(status == 429 && this != SPEND_LIMIT || status >= 500));
            return h;
        }
    }

    @Override
    public NativeError fault(Exchange ex, int status, Directives d, SimCall call) {
        Row row = Row.of(d, status);
        Map<String, String> h = row.headers();
        h.put("request-id", requestId(ex));
        return new NativeError(row.status, Replies.write(row.body(requestId(ex))), h);
    }

    @Override
    public NativeError rejected(Exchange ex, SimError e) {
        Row row = switch (e.status()) {
            case 404 -> Row.NOT_FOUND;
            case 413 -> Row.REQUEST_TOO_LARGE;
            default -> Row.INVALID_REQUEST;
        };
        ObjectNode root = Replies.object().put("type", "error");
        String message = e.error().param() == null ? e.error().message() : e.error().param() + ": " + e.error().message();
        root.putObject("error").put("type", row.type).put("message", message);
        root.put("request_id", requestId(ex));
        return new NativeError(row == Row.INVALID_REQUEST ? 400 : row.status, Replies.write(root),
                Map.of("request-id", requestId(ex), "x-should-retry", "false"));
    }

    static String requestId(Exchange ex) {
        return "req_" + ex.requestId().substring(4);
    }
}
