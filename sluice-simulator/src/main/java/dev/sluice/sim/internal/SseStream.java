package dev.sluice.sim.internal;

import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * Writes one SSE answer on the event loop: headers at once, the opening events after {@code ttft_ms}, then one event
 * per token paced at {@code tps} (token i is due i/tps seconds after the first, so timer jitter never accumulates),
 * pausing while the client's write queue is full, and breaking off as {@code disconnect_after} /
 * {@code stream_error_after} ask. Timers belong to the exchange, so a client that leaves stops everything.
 */
public final class SseStream {

    /** The endpoint-specific events; each method returns encoded SSE text. */
    public interface Script {
        String opening();

        String token(int index, String piece);

        String closing();

        String failure(ApiError error);

        String malformed();
    }

    private final Exchange ex;
    private final HttpServerResponse response;
    private final Script script;
    private final List<String> pieces;
    private final Directives directives;
    private final int tps;
    private final int faultAt;
    private int sent;
    private long startNanos;
    private boolean finished;
    private Future<Void> lastWrite = Future.succeededFuture();

    public SseStream(Exchange ex, Script script, List<String> pieces, Directives directives, int defaultTps) {
        this.ex = ex;
        this.response = ex.response();
        this.script = script;
        this.pieces = pieces;
        this.directives = directives;
        this.tps = directives.tps() >= 0 ? directives.tps() : defaultTps;
        int at = directives.streamFaultAt();
        this.faultAt = at < 0 ? -1 : Math.min(at, pieces.size());
    }

    public void start() {
        if (ex.released()) return;
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("content-type", "text/event-stream")
                .putHeader("cache-control", "no-cache");
        response.writeHead();
        response.drainHandler(v -> pump());
        if (directives.ttftMs() > 0) ex.after(directives.ttftMs(), this::begin);
        else begin();
    }

    private void begin() {
        if (directives.malformed()) {
            write(script.malformed());
            finish();
            return;
        }
        write(script.opening());
        startNanos = ex.nanos();
        if (tps > 0 && pieces.size() > 1) ex.every(Math.max(1, 1000 / tps), this::pump);
        pump();
    }

    private void pump() {
        if (finished || ex.released()) return;
        int due = tps <= 0 ? pieces.size()
                : (int) Math.min(pieces.size(), (ex.nanos() - startNanos) / 1_000_000L * tps / 1000 + 1);
        while (true) {
            if (faultAt >= 0 && sent >= faultAt) {
                breakOff();
                return;
            }
            if (sent >= pieces.size()) {
                write(script.closing());
                finish();
                return;
            }
            if (sent >= due || response.writeQueueFull()) return;
            write(script.token(sent, pieces.get(sent)));
            sent++;
        }
    }

    private void breakOff() {
        if (directives.streamFaultDisconnects()) {
            finished = true;
            lastWrite.onComplete(ar -> ex.disconnect());
        } else {
            write(script.failure(ErrorKind.INTERNAL_ERROR.error("request_id", ex.requestId())));
            finish();
        }
    }

    private void finish() {
        finished = true;
        if (!ex.released()) response.end();
    }

    private void write(String events) {
        if (!ex.released()) lastWrite = response.write(events);
    }
}
