package dev.sluice.gateway.upstream;

import dev.sluice.protocol.SseDecoder;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SSE events from raw network buffers: a UTF-8 character split across two buffers is held back until it is whole
 * (decoding each buffer on its own would turn it into replacement characters), then the text goes to
 * {@link SseDecoder}.
 */
public final class SseBytes {
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final SseDecoder decoder = new SseDecoder();
    private byte[] pending = new byte[0];

    /** The events the bytes complete. */
    public List<SseEvent> feed(Buffer bytes) {
        byte[] in = bytes.getBytes();
        return feed(in, 0, in.length);
    }

    /** The events {@code in[from, to)} completes. */
    public List<SseEvent> feed(byte[] in, int from, int to) {
        ByteBuffer bb;
        if (pending.length == 0) {
            bb = ByteBuffer.wrap(in, from, to - from);
        } else {
            byte[] all = new byte[pending.length + to - from];
            System.arraycopy(pending, 0, all, 0, pending.length);
            System.arraycopy(in, from, all, pending.length, to - from);
            bb = ByteBuffer.wrap(all);
        }
        CharBuffer out = CharBuffer.allocate(bb.remaining() + 1);
        utf8.decode(bb, out, false);
        pending = new byte[bb.remaining()];
        bb.get(pending);
        out.flip();
        return decoder.feed(out);
    }

    /**
     * True between events: no part of a character, line or event is held (the next bytes begin a new event, as after
     * a blank line).
     */
    public boolean atBoundary() {
        return pending.length == 0 && decoder.atBoundary();
    }

    /** The events left when the stream ends. */
    public List<SseEvent> finish() {
        List<SseEvent> out = new ArrayList<>();
        if (pending.length > 0) {
            out.addAll(decoder.feed(new String(pending, StandardCharsets.UTF_8)));
            pending = new byte[0];
        }
        out.addAll(decoder.finish());
        return out;
    }
}
