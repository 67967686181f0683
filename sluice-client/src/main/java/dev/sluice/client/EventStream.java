package dev.sluice.client;

import dev.sluice.client.internal.StreamInterpreter;
import dev.sluice.client.internal.StreamInterpreter.Step;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.SseDecoder;
import dev.sluice.protocol.SseEvent;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A server-sent event stream of chat chunks or Responses events, read on the caller's thread as an
 * {@link Iterator} (or a {@link #stream() Stream}). Ends in one final {@link #state() state}: COMPLETED at the
 * terminator; FAILED on an in-band error or an early end, which {@link #hasNext()} throws as a
 * {@link StreamException} carrying the text received so far (and throws again if asked again); CANCELLED after
 * {@link #cancel()} or {@link #close()} from any thread, which closes the connection and makes {@code hasNext()}
 * return false. Always close it (try-with-resources); closing a finished stream does nothing.
 */
public final class EventStream<T> implements Iterator<T>, AutoCloseable {
    private final InputStream body;
    private final HttpHeaders headers;
    private final StreamInterpreter<T> interpreter;
    private final SseDecoder sse = new SseDecoder();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer bytes = ByteBuffer.allocate(8192);
    private final CharBuffer chars = CharBuffer.allocate(8192);
    private final ArrayDeque<SseEvent> pending = new ArrayDeque<>();
    private final AtomicReference<StreamState> state = new AtomicReference<>(StreamState.OPEN);
    private volatile StreamException failure;
    private boolean eof;
    private T next;

    EventStream(InputStream body, HttpHeaders headers, StreamInterpreter<T> interpreter) {
        this.body = body;
        this.headers = headers;
        this.interpreter = interpreter;
    }

    @Override
    public boolean hasNext() {
        if (next != null) return true;
        while (true) {
            StreamState s = state.get();
            if (s == StreamState.FAILED) throw failure;
            if (s != StreamState.OPEN) return false;
            SseEvent event = pending.poll();
            if (event == null) {
                if (eof) {
                    fail(interpreter.onEnd(null));
                } else {
                    read();
                }
                continue;
            }
            switch (interpreter.onEvent(event)) {
                case Step.Emit<T> e -> {
                    next = e.item();
                    return true;
                }
                case Step.Last<T> l -> {
                    finish(StreamState.COMPLETED);
                    next = l.item();
                    return true;
                }
                case Step.Skip<T> ignored -> { }
                case Step.Done<T> ignored -> finish(StreamState.COMPLETED);
                case Step.Fail<T> f -> fail(f.error());
            }
        }
    }

    @Override
    public T next() {
        if (!hasNext()) throw new NoSuchElementException("the stream is " + state.get());
        T item = next;
        next = null;
        return item;
    }

    /** The remaining items as a sequential Stream; closing it closes this stream. */
    public Stream<T> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(this::close);
    }

    public StreamState state() {
        return state.get();
    }

    /** The output text received so far (chat: choice 0 content; Responses: output_text deltas). */
    public String text() {
        return interpreter.text();
    }

    /** The failure, once the stream is FAILED. */
    public Optional<StreamException> failure() {
        return Optional.ofNullable(failure);
    }

    public String requestId() {
        return headers.firstValue(Headers.REQUEST_ID).orElse(null);
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** Stops reading and closes the connection; safe from any thread. An open stream becomes CANCELLED. */
    public void cancel() {
        finish(StreamState.CANCELLED);
    }

    /** Releases the connection. Closing an open stream cancels it. */
    @Override
    public void close() {
        finish(StreamState.CANCELLED);
    }

    private void read() {
        int n;
        try {
            n = body.read(bytes.array(), bytes.position(), bytes.remaining());
        } catch (IOException e) {
            if (state.get() == StreamState.OPEN) fail(interpreter.onEnd(e));
            return; // failed, or cancelled meanwhile: the loop sees the state
        }
        if (n < 0) {
            bytes.flip();
            utf8.decode(bytes, chars, true);
            utf8.flush(chars);
            feed();
            pending.addAll(sse.finish());
            eof = true;
            return;
        }
        bytes.position(bytes.position() + n);
        bytes.flip();
        utf8.decode(bytes, chars, false);
        bytes.compact();
        feed();
    }

    private void feed() {
        chars.flip();
        pending.addAll(sse.feed(chars));
        chars.clear();
    }

    /** Moves an open stream to FAILED (a stream cancelled meanwhile stays CANCELLED); the loop then throws. */
    private void fail(StreamException e) {
        if (state.get() != StreamState.OPEN) return;
        failure = e; // set before the state flips, so a reader that sees FAILED sees the failure
        if (state.compareAndSet(StreamState.OPEN, StreamState.FAILED)) {
            closeBody();
        } else {
            failure = null;
        }
    }

    private void finish(StreamState end) {
        if (state.compareAndSet(StreamState.OPEN, end)) closeBody();
    }

    private void closeBody() {
        try {
            body.close();
        } catch (IOException ignored) {
            // the connection is being dropped anyway
        }
    }
}
