package dev.sluice.client.internal;

import dev.sluice.client.StreamException;
import dev.sluice.protocol.SseEvent;

/** Turns the SSE events of one stream protocol into items, its terminator, or its in-band error. */
public interface StreamInterpreter<T> {

    /** What one event means. */
    sealed interface Step<T> {
        record Emit<T>(T item) implements Step<T> {}
        /** The last item: emit it, then the stream is complete. */
        record Last<T>(T item) implements Step<T> {}
        record Skip<T>() implements Step<T> {}
        record Done<T>() implements Step<T> {}
        record Fail<T>(StreamException error) implements Step<T> {}
    }

    Step<T> onEvent(SseEvent event);

    /** The body ended (or broke, with {@code cause}) before a terminator: always a failure. */
    StreamException onEnd(Throwable cause);

    /** The output text accumulated so far. */
    String text();
}
