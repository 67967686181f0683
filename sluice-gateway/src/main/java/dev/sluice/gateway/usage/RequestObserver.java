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

    /**
     * The same, with every fact the request produced (metrics, traces). The HTTP adapter calls this one; by default
     * it passes the summary to {@link #finished(int, String, long, long, int, int, int, boolean)}.
     */
    default void finished(FinishedRequest r) {
        finished(r.status(), r.errorCode(), r.latencyNanos(), r.firstByteNanos(), r.promptTokens(),
                r.completionTokens(), r.attempts(), r.streamFailed());
    }

    /** Tells each of {@code observers}, in order. */
    static RequestObserver all(RequestObserver... observers) {
        RequestObserver[] list = observers.clone();
        return new RequestObserver() {
            @Override
            public void finished(int status, String errorCode, long latency, long firstByte, int in, int out,
                                 int attempts, boolean streamFailed) {
                for (RequestObserver o : list) o.finished(status, errorCode, latency, firstByte, in, out, attempts,
                        streamFailed);
            }

            @Override
            public void finished(FinishedRequest r) {
                for (RequestObserver o : list) o.finished(r);
            }
        };
    }
}
