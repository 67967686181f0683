package dev.sluice.gateway.upstream;

import dev.sluice.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * Turns one upstream stream into what the caller gets: raw bytes in (SSE lines, or binary frames such as Bedrock's
 * {@code application/vnd.amazon.eventstream}, in whatever pieces the network delivers), OpenAI stream events out
 * ({@code chat.completion.chunk} data events and the final {@code [DONE]}), plus the usage the provider reported and
 * any error it reported in the stream. One instance per attempt; not thread-safe (it lives on the event loop).
 */
public interface StreamTranslator {

    /** The next upstream bytes; returns what they complete, in order (often nothing until a frame is whole). */
    List<Item> feed(Buffer bytes);

    /** The upstream ended the stream; returns whatever was still buffered. */
    List<Item> end();

    /** What a piece of upstream stream means for the caller. */
    sealed interface Item {}

    /**
     * An OpenAI-shaped event to relay as is; {@code [DONE]} (chat) or {@code response.completed} (Responses) marks
     * the stream as properly terminated. {@code wire}, when not null, is the event exactly as {@code event.encode()}
     * writes it, already in bytes (the upstream's own, relayed without encoding them again).
     */
    record Event(SseEvent event, Buffer wire) implements Item {
        /** An event the caller gets as {@link SseEvent#encode()} writes it. */
        public Event(SseEvent event) {
            this(event, null);
        }
    }

    /**
     * Token counts the provider reported (not relayed by itself: a translator that was asked for
     * {@code stream_options.include_usage} also emits the OpenAI usage chunk as an {@link Event}). -1 = not reported.
     */
    record Usage(int promptTokens, int completionTokens) implements Item {}

    /**
     * The provider reported an error inside the stream: before anything reached the caller the call may retry or
     * fail over per {@code failure}; after, the caller gets {@code failure.error()} in-band and no terminator.
     */
    record Error(Failure failure) implements Item {}
}
