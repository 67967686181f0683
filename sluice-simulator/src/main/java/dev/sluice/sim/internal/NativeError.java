package dev.sluice.sim.internal;

import java.util.Map;

/**
 * An error answer already in a provider flavor's own shape (status, headers, body), thrown by a flavor's endpoint or
 * dialect and written as is. No stack trace: it is control flow.
 */
public final class NativeError extends RuntimeException {
    private final int status;
    private final String contentType;
    private final String body;
    private final Map<String, String> headers;

    public NativeError(int status, String body, Map<String, String> headers) {
        this(status, Replies.APPLICATION_JSON, body, headers);
    }

    public NativeError(int status, String contentType, String body, Map<String, String> headers) {
        super("simulated " + status, null, false, false);
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.headers = Map.copyOf(headers);
    }

    /** Writes this answer, unless the exchange is already over. */
    public void send(Exchange ex) {
        if (ex.released()) return;
        headers.forEach(ex.response()::putHeader);
        Replies.send(ex, status, contentType, body);
    }
}
