package dev.sluice.client;

import dev.sluice.protocol.ApiError;

/**
 * A stream failed after it had started (HTTP 200 already received): the server sent an in-band error (chat
 * {@code data: {"error":…}}, Responses {@code event: error} or {@code response.failed}), or the stream ended without
 * its terminator ({@link #isTruncated()}). Keeps the output text received before the failure. Never retried
 * automatically: the first byte had been delivered.
 */
public final class StreamException extends SluiceException {
    private final ApiError error;
    private final String partialText;
    private final boolean truncated;

    public StreamException(ApiError error, String requestId, String partialText, boolean truncated, Throwable cause) {
        super(withRequestId("stream failed: " + label(error) + error.message(), requestId), requestId, cause);
        this.error = error;
        this.partialText = partialText == null ? "" : partialText;
        this.truncated = truncated;
    }

    public ApiError error() { return error; }

    public String type() { return error.type(); }

    public String code() { return error.code(); }

    public String param() { return error.param(); }

    /** The error's message alone (without the request id suffix of {@link #getMessage()}). */
    public String apiMessage() { return error.message(); }

    /** The output text received before the error (choice 0 of chat, output_text deltas of Responses). */
    public String partialText() { return partialText; }

    /** True when no error event arrived but the stream ended before its terminator (or the connection broke). */
    public boolean isTruncated() { return truncated; }

    private static String label(ApiError e) {
        return e.code() != null ? e.code() + ": " : "";
    }
}
