package dev.sluice.sim.internal.bedrock;

import dev.sluice.protocol.ApiError;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Dialect;
import dev.sluice.sim.internal.FlavorErrors;
import dev.sluice.sim.internal.NativeError;
import dev.sluice.sim.internal.Replies;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.SimError;

import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Bedrock's errors as the runtime sends them: HTTP status, {@code x-amzn-ErrorType: Name:namespace},
 * {@code x-amzn-RequestId}, body {@code {"message": "…"}}. {@code error=NAME} picks a row ({@code InputTooLong} is the
 * ValidationException of a prompt over the model's context); {@code status=N} picks the usual row for N. In a
 * stream, {@code error=NAME;stream_error_after=N} sends the row as an exception frame after N deltas.
 */
final class BedrockErrors implements Dialect {
    static final String ERROR_TYPE = "x-amzn-ErrorType";
    static final String REQUEST_ID = "x-amzn-RequestId";
    private static final String NAMESPACE = ":http://internal.amazon.com/coral/com.amazon.bedrock/";

    enum Row {
        ValidationException(400, "ValidationException",
                "1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: "
                        + "Member must have value greater than or equal to 1"),
        InputTooLong(400, "ValidationException", "Input is too long for requested model."),
        UnrecognizedClientException(403, "UnrecognizedClientException",
                "The security token included in the request is invalid."),
        AccessDeniedException(403, "AccessDeniedException",
                "You don't have access to the model with the specified model ID."),
        ResourceNotFoundException(404, "ResourceNotFoundException",
                "Could not resolve the foundation model from the provided model identifier."),
        ConflictException(409, "ConflictException", "The request conflicts with another in progress."),
        ModelTimeoutException(408, "ModelTimeoutException", "Model has timed out in processing the request. Try "
                + "your request again."),
        ModelErrorException(424, "ModelErrorException", "The model encountered an error processing the request."),
        ThrottlingException(429, "ThrottlingException", "Too many requests, please wait before trying again."),
        ServiceQuotaExceededException(400, "ServiceQuotaExceededException", "Your request exceeds the service quota "
                + "for your account. You can view your quotas at Viewing service quotas."),
        ModelNotReadyException(429, "ModelNotReadyException", "Model is not ready for inference. Wait and try your "
                + "request again."),
        InternalServerException(500, "InternalServerException", "The server encountered an internal error while "
                + "processing the request."),
        ServiceUnavailableException(503, "ServiceUnavailableException", "Bedrock is unable to process your request."),
        ModelStreamErrorException(424, "ModelStreamErrorException", "The model stream failed while generating the "
                + "answer.");

        final int http;
        final String type;
        final String message;

        Row(int http, String type, String message) {
            this.http = http;
            this.type = type;
            this.message = message;
        }

        static Row forStatus(int status) {
            return switch (status) {
                case 400, 422 -> ValidationException;
                case 401 -> UnrecognizedClientException;
                case 403 -> AccessDeniedException;
                case 404 -> ResourceNotFoundException;
                case 409 -> ConflictException;
                case 429 -> ThrottlingException;
                case 502, 503 -> ServiceUnavailableException;
                case 504 -> ModelTimeoutException;
                default -> InternalServerException;
            };
        }

        /** The event-stream member name of an exception frame ({@code throttlingException}). */
        String frameType() {
            return Character.toLowerCase(type.charAt(0)) + type.substring(1);
        }
    }

    static final FlavorErrors NAMES = new FlavorErrors("bedrock", Arrays.stream(Row.values()).map(Enum::name)
            .collect(Collectors.toUnmodifiableSet()));

    /** The row a fault asks for: {@code error=} first, else by status ({@code -1}: 500). */
    static Row row(Directives d, int status) {
        return NAMES.resolve(d.error()).map(Row::valueOf).orElseGet(() -> Row.forStatus(status < 0 ? 500 : status));
    }

    @Override
    public NativeError fault(Exchange ex, int status, Directives d, SimCall call) {
        Row row = row(d, status);
        int http = status >= 0 && d.error() == null ? status : row.http;
        return error(ex, http, row.type, row.message);
    }

    @Override
    public NativeError rejected(Exchange ex, SimError e) {
        String type = e.error().type();
        if (type == null || type.isEmpty() || !Character.isUpperCase(type.charAt(0))) {
            type = e.status() == 404 ? "ResourceNotFoundException" : e.status() >= 500 ? "InternalServerException"
                    : "ValidationException";
        }
        int http = e.status() == 405 || e.status() == 413 || e.status() == 422 ? 400 : e.status();
        return error(ex, http, type, e.error().message());
    }

    /** Bedrock's request id for this exchange (a UUID, as AWS sends). */
    static String requestId(Exchange ex) {
        return UUID.nameUUIDFromBytes(ex.requestId().getBytes(StandardCharsets.UTF_8)).toString();
    }

    static SimError validation(String message) {
        return new SimError(400, new ApiError(message, "ValidationException", null, null));
    }

    static SimError of(Row row) {
        return new SimError(row.http, new ApiError(row.message, row.type, null, null));
    }

    static NativeError error(Exchange ex, int http, String type, String message) {
        return new NativeError(http, Replies.write(Replies.object().put("message", message)),
                Map.of(ERROR_TYPE, type + NAMESPACE, REQUEST_ID, requestId(ex)));
    }
}
