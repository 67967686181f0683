package dev.sluice.gateway.usage;

/**
 * Told once about every finished public request (refusals included), for in-memory traffic series such as the admin
 * console's. Called on the event loop for each request: implementations only bump counters.
 */
@FunctionalInterface
public interface RequestObserver {
    RequestObserver NONE = (status, code, latency, firstByte, in, out, attempts, streamFailed) -> { };

    /**
     * @param latencyNanos   from the first handler to the end of the answer
     * @param firstByteNanos from the first handler to the answer's headers on a stream (time to first token), or -1
     * @param streamFailed   the answer started (status below 400) and then failed in-band
     */
    void finished(int status, String errorCode, long latencyNanos, long firstByteNanos, int promptTokens,
                  int completionTokens, int attempts, boolean streamFailed);
}
