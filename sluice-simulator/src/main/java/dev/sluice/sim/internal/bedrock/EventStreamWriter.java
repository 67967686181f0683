package dev.sluice.sim.internal.bedrock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.aws.EventStream;
import dev.sluice.sim.internal.Completion;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Replies;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one ConverseStream answer as eventstream frames: {@code messageStart}, {@code contentBlockStart} (tool use),
 * a {@code contentBlockDelta} per token paced at {@code tps}, {@code contentBlockStop}, {@code messageStop},
 * {@code metadata}. {@code stream_error_after=N} sends an exception frame (the {@code error=} row, else
 * {@code internalServerException}) after N deltas; {@code disconnect_after=N} drops the connection;
 * {@code malformed} sends a frame whose CRC does not match.
 */
final class EventStreamWriter {
    private final Exchange ex;
    private final HttpServerResponse response;
    private final Converse.Call call;
    private final Completion c;
    private final Directives d;
    private final int tps;
    private final int faultAt;
    private int sent;
    private long startNanos;
    private boolean finished;
    private Future<Void> lastWrite = Future.succeededFuture();

    EventStreamWriter(Exchange ex, Converse.Call call, Completion c, Directives d, int defaultTps) {
        this.ex = ex;
        this.response = ex.response();
        this.call = call;
        this.c = c;
        this.d = d;
        this.tps = d.tps() >= 0 ? d.tps() : defaultTps;
        int pieces = pieces();
        int at = d.streamFaultAt();
        this.faultAt = at < 0 ? -1 : Math.min(at, pieces);
    }

    private int pieces() {
        return call.toolUse() != null ? 1 : c.pieces().size();
    }

    void start() {
        if (ex.released()) return;
        response.setStatusCode(200).setChunked(true).putHeader("content-type", "application/vnd.amazon.eventstream");
        response.writeHead();
        response.drainHandler(v -> pump());
        if (d.ttftMs() > 0) ex.after(d.ttftMs(), this::begin);
        else begin();
    }

    private void begin() {
        if (d.malformed()) {
            byte[] frame = EventStream.encode(EventStream.Message.event("messageStart", "{\"role\":\"assistant\"}"));
            frame[frame.length - 1] ^= 0x5a;
            write(frame);
            finish();
            return;
        }
        write(event("messageStart", Replies.object().put("role", "assistant")));
        if (call.toolUse() != null) {
            ObjectNode start = Replies.object();
            start.putObject("start").putObject("toolUse").put("toolUseId", call.toolUse().path("toolUseId").asText())
                    .put("name", call.toolUse().path("name").asText());
            write(event("contentBlockStart", start.put("contentBlockIndex", 0)));
        }
        startNanos = ex.nanos();
        if (tps > 0 && pieces() > 1) ex.every(Math.max(1, 1000 / tps), this::pump);
        pump();
    }

    private void pump() {
        if (finished || ex.released()) return;
        int n = pieces();
        int due = tps <= 0 ? n : (int) Math.min(n, (ex.nanos() - startNanos) / 1_000_000L * tps / 1000 + 1);
        while (true) {
            if (faultAt >= 0 && sent >= faultAt) {
                breakOff();
                return;
            }
            if (sent >= n) {
                closing();
                finish();
                return;
            }
            if (sent >= due || response.writeQueueFull()) return;
            ObjectNode delta = Replies.object().put("contentBlockIndex", 0);
            if (call.toolUse() != null) {
                delta.putObject("delta").putObject("toolUse").put("input", call.toolUse().path("input").toString());
            } else {
                delta.putObject("delta").put("text", c.pieces().get(sent));
            }
            write(event("contentBlockDelta", delta));
            sent++;
        }
    }

    private void closing() {
        write(event("contentBlockStop", Replies.object().put("contentBlockIndex", 0)));
        write(event("messageStop", Replies.object().put("stopReason", Converse.stopReason(call, c))));
        ObjectNode meta = Replies.object();
        meta.set("usage", Converse.usage(call, Converse.outputTokens(call, c)));
        meta.putObject("metrics").put("latencyMs", 1);
        write(event("metadata", meta));
    }

    private void breakOff() {
        if (d.streamFaultDisconnects()) {
            finished = true;
            lastWrite.onComplete(ar -> ex.disconnect());
            return;
        }
        BedrockErrors.Row row = BedrockErrors.row(d, 500);
        write(EventStream.encode(EventStream.Message.exception(row.frameType(),
                Replies.write(Replies.object().put("message", row.message)))));
        finish();
    }

    private static byte[] event(String type, ObjectNode payload) {
        return EventStream.encode(EventStream.Message.event(type, Replies.write(payload)));
    }

    private void finish() {
        finished = true;
        if (!ex.released()) response.end();
    }

    private void write(byte[] frame) {
        if (!ex.released()) lastWrite = response.write(Buffer.buffer(frame));
    }
}
