package dev.sluice.gateway.upstream;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

/**
 * Relays an upstream SSE stream to the caller: translated events in order, the stream headers with the first one,
 * back-pressure (the upstream is paused while the caller's socket is full), the token count, and the end — the
 * terminator the upstream sent, or the in-band error event of {@link StreamErrors} when it broke after the first
 * byte. One per request; each attempt that streams gets a {@link Pipe}, which it closes when it stops.
 */
final class StreamRelay {
    private final Exchange ex;
    private final HttpServerResponse out;
    private final TokenCount tokens;
    private final Runnable onFirstEvent;
    private boolean started;
    private int sequence;

    /** @param onFirstEvent runs once, just before the first event is written */
    StreamRelay(Exchange ex, TokenCount tokens, Runnable onFirstEvent) {
        this.ex = ex;
        this.out = ex.response();
        this.tokens = tokens;
        this.onFirstEvent = onFirstEvent;
    }

    /** Whether anything reached the caller (from then on errors go in-band and no retry is possible). */
    boolean started() {
        return started;
    }

    /** What the relay tells the attempt whose stream it reads. */
    interface Upstream {
        /** Bytes arrived (the idle timer restarts). */
        void activity();

        /** The stream broke: an error item, junk, a disconnect, or an end without the terminator. */
        void broken(Failure f);

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
                    if (out.writeQueueFull()) {
                        resp.pause();
                        out.drainHandler(v -> resp.resume());
                    }
                }
            });
            resp.exceptionHandler(err -> {
                if (!closed) upstream.broken(Failure.transport(ApiException.of(ErrorKind.BAD_GATEWAY)));
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
                    StreamEventCheck check = StreamEventCheck.of(ex.endpoint(), ev);
                    if (check == StreamEventCheck.SKIP) return true;
                    if (check != StreamEventCheck.RELAY) { // the upstream's error, or junk: never relayed
                        upstream.broken(Failure.garbage());
                        return false;
                    }
                    send(ev);
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

    private void send(SseEvent ev) {
        if (!started) {
            started = true;
            onFirstEvent.run();
            out.setStatusCode(200).setChunked(true)
                    .putHeader("content-type", "text/event-stream; charset=utf-8")
                    .putHeader("cache-control", "no-cache");
        }
        if (ex.endpoint() == Endpoint.RESPONSES) sequence++;
        out.write(ev.encode());
        tokens.delivered(ev);
    }

    /** The stream ended properly (its terminator was relayed). */
    Future<Void> end() {
        return out.end();
    }

    /** After the first byte: the error goes in-band, then the stream closes without its terminator. */
    Future<Void> endInBand(ApiException e) {
        ApiError err = e.error().withRequestId(ex.requestId());
        String event = ex.endpoint() == Endpoint.RESPONSES
                ? StreamErrors.responses(err, sequence, "resp_" + ex.requestId().substring(4), ex.modelId())
                : StreamErrors.chat(err);
        return out.end(event);
    }
}
