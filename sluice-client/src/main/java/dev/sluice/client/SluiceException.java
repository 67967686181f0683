package dev.sluice.client;

/**
 * The root of every error this SDK throws (all unchecked): a connection failure or timeout, an HTTP error status, or
 * an error inside a stream that had already started.
 */
public abstract sealed class SluiceException extends RuntimeException
        permits ApiConnectionException, ApiStatusException, StreamException {

    private final String requestId;

    SluiceException(String message, String requestId, Throwable cause) {
        super(message, cause);
        this.requestId = requestId;
    }

    /** The {@code x-request-id} of the response, or null when no response arrived. Quote it to support. */
    public String requestId() {
        return requestId;
    }

    static String withRequestId(String message, String requestId) {
        if (requestId != null && message.contains(requestId)) return message; // a server error's message names it
        return message + (requestId == null ? " (no request id)" : " (request id: " + requestId + ")");
    }
}
