package dev.sluice.gateway.pipeline;

import io.vertx.core.buffer.Buffer;

/**
 * Where a stream answer's events go: the caller's connection, behind the HTTP adapter. The source writes, and pauses
 * its own upstream while {@link #full()} until {@link #onDrain} runs (back-pressure).
 */
public interface StreamSink {
    /** Writes one encoded event. */
    void write(Buffer event);

    /** True while the caller's socket does not take more; wait for {@link #onDrain}. */
    boolean full();

    /** Runs {@code r} once when the socket takes more again. */
    void onDrain(Runnable r);

    /** Writes {@code last} (null for nothing: a stream already terminated in-band) and ends the answer. */
    void end(String last);

    /**
     * The caller has taken nothing for too long (its socket stayed full): close its connection; the request then
     * ends as a caller that left.
     */
    void abandon();
}
