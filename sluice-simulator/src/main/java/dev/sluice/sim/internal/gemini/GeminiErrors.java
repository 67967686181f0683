package dev.sluice.sim.internal.gemini;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Dialect;
import dev.sluice.sim.internal.FlavorErrors;
import dev.sluice.sim.internal.NativeError;
import dev.sluice.sim.internal.Replies;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.SimError;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Gemini's errors as the API sends them: HTTP status and a {@code google.rpc.Status} body
 * {@code {"error": {"code", "message", "status", "details"}}}. {@code error=NAME} picks a row; {@code status=N} picks
 * the usual row for N. Two names are answers rather than errors: {@code SAFETY} (a 200 whose candidate stopped with
 * {@code finishReason: SAFETY}) and {@code PROMPT_BLOCKED} (a 200 with {@code promptFeedback.blockReason}).
 */
final class GeminiErrors implements Dialect {

    /** One row: name for {@code error=}, HTTP status, {@code google.rpc.Code} name, message. */
    enum Row {
        INVALID_ARGUMENT(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
        API_KEY_INVALID(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
        FAILED_PRECONDITION(400, "FAILED_PRECONDITION", "Gemini API free tier is not available in your country. "
                + "Please enable billing on your project in Google AI Studio."),
        LOCATION(400, "FAILED_PRECONDITION", "User location is not supported for the API use."),
        UNAUTHENTICATED(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
        PERMISSION_DENIED(403, "PERMISSION_DENIED", "The caller does not have permission"),
        NOT_FOUND(404, "NOT_FOUND", "models/%s is not found for API version v1beta, or is not supported for "
                + "generateContent. Call ListModels to see the list of available models and their supported "
                + "methods."),
        ABORTED(409, "ABORTED", "The operation was aborted."),
        RESOURCE_EXHAUSTED(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and "
                + "billing details."),
        INTERNAL(500, "INTERNAL", "An internal error has occurred. Please retry or report in "
                + "https://developers.generativeai.google/guide/troubleshooting"),
        UNAVAILABLE(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
        DEADLINE_EXCEEDED(504, "DEADLINE_EXCEEDED", "The request timed out. Please try again."),
        SAFETY(200, "OK", "The candidate was blocked for safety."),
        PROMPT_BLOCKED(200, "OK", "The prompt was blocked for safety.");

        final int http;
        final String status;
        final String message;

        Row(int http, String status, String message) {
            this.http = http;
            this.status = status;
            this.message = message;
        }

        /** The usual row for a {@code status=} number. */
        static Row forStatus(int status) {
            return switch (status) {
                case 400, 422 -> INVALID_ARGUMENT;
                case 401 -> UNAUTHENTICATED;
                case 403 -> PERMISSION_DENIED;
                case 404 -> NOT_FOUND;
                case 409 -> ABORTED;
                case 429 -> RESOURCE_EXHAUSTED;
                case 502, 503 -> UNAVAILABLE;
                case 504 -> DEADLINE_EXCEEDED;
                default -> INTERNAL;
            };
        }
    }

    /** Seconds RESOURCE_EXHAUSTED asks the client to wait ({@code RetryInfo.retryDelay}). */
    static final int RETRY_DELAY_SECONDS = 2;

    static final FlavorErrors NAMES = new FlavorErrors("gemini", Arrays.stream(Row.values()).map(Enum::name)
            .collect(Collectors.toUnmodifiableSet()));

    /** The row a fault asks for: {@code error=} first, else by status ({@code -1}: 500). */
    static Row row(Directives d, int status) {
        return NAMES.resolve(d.error()).map(Row::valueOf).orElseGet(() -> Row.forStatus(status < 0 ? 500 : status));
    }

    @Override
    public NativeError fault(Exchange ex, int status, Directives d, SimCall call) {
        Row row = row(d, status);
        if (row.http == 200) {
            return new NativeError(200, Replies.write(GenerateContent.blocked(row, call.modelId(), ex.requestId())),
                    Map.of());
        }
        int http = status >= 0 && d.error() == null ? status : row.http;
        return json(http, body(row, http, call.modelId()));
    }

    @Override
    public NativeError rejected(Exchange ex, SimError e) {
        Row row = switch (e.status()) {
            case 404 -> Row.NOT_FOUND;
            default -> e.status() >= 500 ? Row.INTERNAL : Row.INVALID_ARGUMENT;
        };
        int http = e.status() == 404 || e.status() >= 500 ? e.status() : 400;
        return json(http, status(http, row.status, e.error().message(), Replies.JSON.createArrayNode()));
    }

    /** A rejection with Gemini's wording (thrown from parsing). */
    static SimError invalidArgument(String message) {
        return new SimError(400, new dev.sluice.protocol.ApiError(message, "INVALID_ARGUMENT", null, null));
    }

    static SimError notFound(String model) {
        return new SimError(404, new dev.sluice.protocol.ApiError(Row.NOT_FOUND.message.formatted(model),
                "NOT_FOUND", null, null));
    }

    /** The error body of {@code row}. */
    static ObjectNode body(Row row, int http, String model) {
        ArrayNode details = Replies.JSON.createArrayNode();
        switch (row) {
            case API_KEY_INVALID -> details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", "API_KEY_INVALID").put("domain", "googleapis.com")
                    .putObject("metadata").put("service", "generativelanguage.googleapis.com");
            case RESOURCE_EXHAUSTED -> {
                ObjectNode qf = details.addObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
                qf.putArray("violations").addObject()
                        .put("quotaMetric", "generativelanguage.googleapis.com/generate_content_free_tier_requests")
                        .put("quotaId", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier")
                        .put("quotaValue", "15");
                details.addObject().put("@type", "type.googleapis.com/google.rpc.Help").putArray("links").addObject()
                        .put("description", "Learn more about Gemini API quotas")
                        .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
                details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                        .put("retryDelay", RETRY_DELAY_SECONDS + "s");
            }
            default -> { }
        }
        String message = row == Row.NOT_FOUND ? row.message.formatted(model == null ? "unknown" : model) : row.message;
        return status(http, row.status, message, details);
    }

    private static ObjectNode status(int http, String status, String message, ArrayNode details) {
        ObjectNode root = Replies.object();
        ObjectNode err = root.putObject("error").put("code", http).put("message", message).put("status", status);
        if (!details.isEmpty()) err.set("details", details);
        return root;
    }

    private static NativeError json(int http, ObjectNode body) {
        return new NativeError(http, "application/json; charset=UTF-8", Replies.write(body), Map.of());
    }
}
