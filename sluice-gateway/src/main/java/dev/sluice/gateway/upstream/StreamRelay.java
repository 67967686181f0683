package dev.sluice.gateway.upstream;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.StreamSink;
import dev.sluice.gateway.pipeline.StreamSource;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * Relays an upstream SSE stream to the caller, as the source of the request's stream answer: translated events in
 * order, back-pressure (the upstream is paused while the caller's socket is full, and until the HTTP adapter has
 * written the head), the token count, and the end — the terminator the upstream sent, or the in-band error event of
 * {@link StreamErrors} when it broke after the first byte — with its outcome. One per request; each attempt that
 * streams gets a {@link Pipe}, which it closes when it stops.
 */
final class StreamRelay implements StreamSource {
    private final Exchange ex;
    private final TokenCount tokens;
    private final Runnable onFirstEvent;
    private final Promise<Result> outcome = Promise.promise();
    private final List<Buffer> pending = new ArrayList<>(2);
    private StreamSink sink;
    private Runnable drained;
    private boolean started;
    private boolean endPending;
    private String endLast;
    private int sequence;

    /** @param onFirstEvent runs once, just before the first event is written (the stream answer is then known) */
    StreamRelay(Exchange ex, TokenCount tokens, Runnable onFirstEvent) {
        this.ex = ex;
        this.tokens = tokens;
        this.onFirstEvent = onFirstEvent;
    }

    /** The adapter has written the head: events relayed before go out first. */
    @Override
    public void start(StreamSink s) {
        sink = s;
        for (Buffer event : pending) s.write(event);
        pending.clear();
        if (endPending) s.end(endLast);
        Runnable d = drained;
        drained = null;
        if (d != null) d.run();
    }

    @Override
    public Future<Result> outcome() {
        return outcome.future();
    }

    /** Whether anything reached the caller (from then on errors go in-band and no retry is possible). */
    boolean started() {
        return started;
    }

    /** What the relay tells the attempt whose stream it reads. */
    interface Upstream {
        /** Bytes arrived (the idle timer restarts). */
        void activity();

        /**
         * The caller's socket is full and the upstream is no longer read ({@code true}), or is read again
         * ({@code false}): meanwhile the upstream's silence is the caller's doing, not the upstream's.
         */
        void paused(boolean callerFull);

        /** The stream broke: an error item, junk, or an end without the terminator. */
        void broken(Failure f);

        /** The stream failed itself ({@code cause}: a reset, its connection lost): broken, nothing left to reset. */
        void lost(Failure f, Throwable cause);

        /** The stream ended after its terminator. */
        void completed();
    }

    /** One attempt's upstream stream being relayed; closed, it relays nothing more. */
    final class Pipe {
        private final StreamTranslator translator;
        private final Upstream upstream;
        private boolean closed;
        private boolean terminated;

        private Pipe(StreamTranslator translator, Upstream upstream) {
            this.translator = translator;
            this.upstream = upstream;
        }

        void close() {
            closed = true;
        }

        private void read(HttpClientResponse resp) {
            upstream.activity();
            resp.handler(buf -> {
                if (closed) return;
                upstream.activity();
                for (StreamTranslator.Item item : translator.feed(buf)) {
                    if (closed || !relay(item)) return;
                    if (full()) {
                        upstream.paused(true);
                        resp.pause();
                        onDrain(() -> {
                            upstream.paused(false);
                            resp.resume();
                        });
                    }
                }
            });
            resp.exceptionHandler(err -> {
                if (!closed) upstream.lost(Failure.transport(ApiException.of(ErrorKind.BAD_GATEWAY)), err);
            });
            resp.endHandler(v -> {
                if (closed) return;
                for (StreamTranslator.Item item : translator.end()) {
                    if (closed || !relay(item)) return;
                }
                if (!terminated) {
                    upstream.broken(Failure.garbage());
                    return;
                }
                closed = true;
                upstream.completed();
            });
        }

        /** Relays one translated piece of the stream; false when it ended the attempt (an error). */
        private boolean relay(StreamTranslator.Item item) {
            switch (item) {
                case StreamTranslator.Error e -> {
                    upstream.broken(e.failure());
                    return false;
                }
                case StreamTranslator.Usage u -> tokens.reported(u);
                case StreamTranslator.Event e -> {
                    SseEvent ev = e.event();
                    StreamEventCheck check = StreamEventCheck.of(ex.endpoint(), ev, e.wire());
                    if (check == StreamEventCheck.SKIP) return true;
                    if (check != StreamEventCheck.RELAY) { // the upstream's error, or junk: never relayed
                        upstream.broken(Failure.garbage());
                        return false;
                    }
                    send(ev, e.wire());
                    if (ev.isDone() || "response.completed".equals(ev.event())
                            || "response.incomplete".equals(ev.event())) terminated = true;
                }
            }
            return true;
        }
    }

    /** Starts relaying {@code resp} (a 200 stream) through {@code translator}; events go out as they complete. */
    Pipe pipe(HttpClientResponse resp, StreamTranslator translator, Upstream upstream) {
        Pipe p = new Pipe(translator, upstream);
        p.read(resp);
        return p;
    }

    /** Writes {@code ev}: as {@code wire} when there is one (the same bytes), else encoded. */
    private void send(SseEvent ev, Buffer wire) {
        if (!started) {
            started = true;
            onFirstEvent.run();
        }
        if (ex.endpoint() == Endpoint.RESPONSES) sequence++;
        Buffer event = wire != null ? wire : Buffer.buffer(ev.encode());
        if (sink == null) pending.add(event);
        else sink.write(event);
        tokens.delivered(ev);
    }

    /** The caller's socket stayed full for the idle timeout: it is treated as gone (its connection is closed). */
    void callerStalled() {
        if (sink != null) sink.abandon();
    }

    /** True while the upstream must wait: the caller's socket is full, or the answer is not being written yet. */
    private boolean full() {
        return sink == null || sink.full();
    }

    private void onDrain(Runnable r) {
        if (sink == null) drained = r;
        else sink.onDrain(r);
    }

    private void finish(Result result, String last) {
        outcome.tryComplete(result);
        if (sink != null) {
            sink.end(last);
        } else {
            endPending = true;
            endLast = last;
        }
    }

    /** The stream ended properly (its terminator was relayed). */
    void end() {
        finish(new Result(Outcome.COMPLETED, null), null);
    }

    /** After the first byte: the error goes in-band, then the stream closes without its terminator. */
    void endInBand(ApiException e) {
        ApiError err = e.error().withRequestId(ex.requestId());
        String event = ex.endpoint() == Endpoint.RESPONSES
                ? StreamErrors.responses(err, sequence, "resp_" + ex.requestId().substring(4), ex.modelId())
                : StreamErrors.chat(err);
        finish(new Result(Outcome.FAILED, e.error().code()), event);
    }

    /** The caller went away mid-stream: nothing more is written. */
    void cancelled() {
        outcome.tryComplete(new Result(Outcome.CANCELLED, "cancelled"));
    }
}
