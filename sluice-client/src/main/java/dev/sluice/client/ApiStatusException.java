package dev.sluice.client;

import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.Headers;

import java.net.http.HttpHeaders;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The server answered with an error status. Carries the status, the four fields of the OpenAI error object (null
 * where the body had none or could not be read), the request id, the headers and the raw body. One subclass per
 * status class; other statuses (405, 413, …) are plain {@code ApiStatusException}s. {@link #from} is the only place
 * that maps statuses to classes.
 */
public sealed class ApiStatusException extends SluiceException
        permits BadRequestException, AuthenticationException, PermissionDeniedException, NotFoundException,
        ConflictException, UnprocessableEntityException, RateLimitException, InternalServerException {

    private static final HttpHeaders NO_HEADERS = HttpHeaders.of(Map.of(), (a, b) -> true);
    private static final int SNIPPET = 160;

    private final int status;
    private final ApiError error;
    private final HttpHeaders headers;
    private final String rawBody;

    ApiStatusException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        this(status, error, headers, rawBody, null);
    }

    /** With a message of its own (a 2xx body that could not be read); the request id is appended. */
    ApiStatusException(int status, ApiError error, HttpHeaders headers, String rawBody, String message) {
        super(message == null ? message(status, error, rawBody, requestIdOf(headers))
                : withRequestId(message, requestIdOf(headers)), requestIdOf(headers), null);
        this.status = status;
        this.error = error;
        this.headers = headers;
        this.rawBody = rawBody;
    }

    /**
     * The exception for an error answer. Never throws on a malformed body: HTML, empty, truncated JSON and
     * {@code {"detail": …}} bodies all yield the class of the status, with whatever fields could be read.
     */
    public static ApiStatusException from(int status, HttpHeaders headers, String rawBody) {
        HttpHeaders h = headers == null ? NO_HEADERS : headers;
        String body = rawBody == null ? "" : rawBody;
        ApiError error = ErrorBodies.parse(body).orElse(null);
        return switch (status) {
            case 400 -> new BadRequestException(status, error, h, body);
            case 401 -> new AuthenticationException(status, error, h, body);
            case 403 -> new PermissionDeniedException(status, error, h, body);
            case 404 -> new NotFoundException(status, error, h, body);
            case 409 -> new ConflictException(status, error, h, body);
            case 422 -> new UnprocessableEntityException(status, error, h, body);
            case 429 -> new RateLimitException(status, error, h, body);
            default -> status >= 500
                    ? new InternalServerException(status, error, h, body)
                    : new ApiStatusException(status, error, h, body);
        };
    }

    public int status() { return status; }

    /** {@code error.type}, or null. */
    public String type() { return error == null ? null : error.type(); }

    /** {@code error.code}, or null. */
    public String code() { return error == null ? null : error.code(); }

    /** {@code error.param}, or null. */
    public String param() { return error == null ? null : error.param(); }

    /** The error object as read from the body; empty when the body was not an error object (HTML, empty, …). */
    public Optional<ApiError> error() { return Optional.ofNullable(error); }

    public HttpHeaders headers() { return headers; }

    /** The body exactly as received ("" when empty). */
    public String rawBody() { return rawBody; }

    private static String requestIdOf(HttpHeaders h) {
        return h == null ? null : h.firstValue(Headers.REQUEST_ID).orElse(null);
    }

    private static String message(int status, ApiError error, String body, String requestId) {
        StringBuilder sb = new StringBuilder().append(status);
        if (error != null) {
            String label = Objects.requireNonNullElse(error.code(), error.type());
            if (label != null && !label.isEmpty()) sb.append(' ').append(label);
            sb.append(": ").append(error.message());
        } else if (body == null || body.isBlank()) {
            sb.append(": empty response body");
        } else {
            String flat = body.strip().replaceAll("\\s+", " ");
            sb.append(": unreadable error body: ")
                    .append(flat.length() > SNIPPET ? flat.substring(0, SNIPPET) + "…" : flat);
        }
        return withRequestId(sb.toString(), requestId);
    }
}
