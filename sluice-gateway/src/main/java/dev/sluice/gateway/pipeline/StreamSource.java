package dev.sluice.gateway.pipeline;

import dev.sluice.gateway.usage.Outcome;
import io.vertx.core.Future;

/** The producer of a stream answer (the upstream relay). */
public interface StreamSource {
    /** Called once by the HTTP adapter after it has written the head: from now on events go to {@code sink}. */
    void start(StreamSink sink);

    /**
     * How the stream ended, once it has: completed, failed in-band (with its code) or cancelled by the caller; set
     * before the source ends the sink.
     */
    Future<Result> outcome();

    /** The final outcome of a stream and its error code (null unless it failed or was cancelled). */
    record Result(Outcome outcome, String errorCode) {}
}
