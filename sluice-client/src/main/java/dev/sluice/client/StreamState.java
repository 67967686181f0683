package dev.sluice.client;

/** Where a stream is: still {@code OPEN}, or its final state. */
public enum StreamState {
    OPEN,
    /** The terminator arrived: chat {@code data: [DONE]}, Responses {@code response.completed} (or {@code .incomplete}). */
    COMPLETED,
    /** An in-band error, or the stream ended (or broke) before its terminator. */
    FAILED,
    /** The client cancelled or closed the stream before the end; the connection was released. */
    CANCELLED
}
