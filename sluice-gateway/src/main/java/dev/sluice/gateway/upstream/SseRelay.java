package dev.sluice.gateway.upstream;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.protocol.SseEvent;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The stream translator of OpenAI-compatible upstreams: their events are already what the caller expects, so they
 * pass through; an error event ({@code event: error}, {@code response.failed}, or a bare {@code {"error": …}} data
 * event) is an {@link StreamTranslator.Error} instead.
 *
 * <p>The events of such a stream are nearly all one shape, {@code data: <json>\n\n} (one data line, LF line ends,
 * UTF-8), and each goes through this translator once per token of every stream. An event of that shape is cut out of
 * the bytes as it is and relayed as those bytes ({@link StreamTranslator.Event#wire()}, what {@link SseEvent#encode()}
 * would write), with no character decoding of the stream, no line parser and no re-encoding. Anything else (comments,
 * {@code event:} or {@code id:} fields, several data lines, CR line ends, bytes that are not UTF-8) goes through
 * {@link SseBytes}, the full parser, from the event where it begins until the parser is between events again. Both
 * give the same events (pinned by {@code SseRelayTest} over every way of cutting the bytes).
 */
public final class SseRelay implements StreamTranslator {
    private static final ObjectMapper JSON = Json.MAPPER;
    /** What a plain event begins with (its wire form, {@link StreamTranslator.Event#wire()}). */
    static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONE = new byte[0];
    /** {@link #event} needs more bytes to decide. */
    private static final int MORE = 0;
    /** The event at that point is not of the plain shape. */
    private static final int OTHER = -1;
    /** An unfinished event longer than this goes to the full parser (which holds it without copying it again). */
    private static final int MAX_HELD = 64 * 1024;

    private final SseBytes decoder = new SseBytes();
    /** The start of an event not yet whole (plain shape so far), held until its end arrives. */
    private byte[] pending = NONE;
    /** The full parser holds part of an event: the next bytes go to it. */
    private boolean parsing;

    @Override
    public List<Item> feed(Buffer bytes) {
        byte[] in = bytes.getBytes();
        if (pending.length > 0) {
            byte[] all = Arrays.copyOf(pending, pending.length + in.length);
            System.arraycopy(in, 0, all, pending.length, in.length);
            in = all;
            pending = NONE;
        }
        if (parsing) return parsed(in, 0, new ArrayList<>(1));
        List<Item> out = new ArrayList<>(2);
        int p = 0;
        while (p < in.length) {
            int end = event(in, p);
            if (end == MORE) {
                pending = Arrays.copyOfRange(in, p, in.length);
                break;
            }
            if (end == OTHER) return parsed(in, p, out);
            SseEvent ev = SseEvent.data(new String(in, p + DATA.length, end - 2 - p - DATA.length,
                    StandardCharsets.UTF_8));
            if (!add(out, ev, BufferInternal.buffer(Unpooled.wrappedBuffer(in, p, end - p)))) return out;
            p = end;
        }
        return out;
    }

    @Override
    public List<Item> end() {
        List<SseEvent> events = new ArrayList<>(1);
        if (pending.length > 0) {
            events.addAll(decoder.feed(pending, 0, pending.length));
            pending = NONE;
        }
        events.addAll(decoder.finish());
        return items(events, new ArrayList<>(events.size()));
    }

    /** {@code in[from, …)} through the full parser, after {@code out}; plain events are cut again once it is between events. */
    private List<Item> parsed(byte[] in, int from, List<Item> out) {
        items(decoder.feed(in, from, in.length), out);
        parsing = !decoder.atBoundary();
        return out;
    }

    /**
     * The end (just past its blank line) of the plain event {@code data: <json>\n\n} beginning at {@code p}: one data
     * line of UTF-8 without CR; {@link #MORE} when the bytes so far could still be one, {@link #OTHER} when not.
     */
    static int event(byte[] in, int p) {
        int n = in.length;
        for (int i = 0; i < DATA.length; i++) {
            if (p + i == n) return MORE;
            if (in[p + i] != DATA[i]) return OTHER;
        }
        boolean ascii = true;
        for (int i = p + DATA.length; i < n; i++) {
            byte b = in[i];
            if (b == '\n') {
                if (i + 1 == n) return MORE;
                if (in[i + 1] != '\n') return OTHER;
                return ascii || Utf8.valid(in, p + DATA.length, i) ? i + 2 : OTHER;
            }
            if (b == '\r') return OTHER;
            if (b < 0) ascii = false;
        }
        return n - p > MAX_HELD ? OTHER : MORE;
    }

    private static List<Item> items(List<SseEvent> events, List<Item> out) {
        for (SseEvent ev : events) {
            if (!add(out, ev, null)) break;
        }
        return out;
    }

    /** Adds what {@code ev} is for the caller; false when it reported an error (the attempt ends there). */
    private static boolean add(List<Item> out, SseEvent ev, Buffer wire) {
        if (isError(ev)) {
            out.add(new Error(Failure.garbage()));
            return false;
        }
        out.add(new Event(ev, wire));
        return true;
    }

    /** True for an event that reports an error rather than carrying output. */
    static boolean isError(SseEvent ev) {
        if ("error".equals(ev.event()) || "response.failed".equals(ev.event())) return true;
        String data = ev.data();
        if (data == null || !data.contains("\"error\"") || ev.isDone()) return false;
        try {
            JsonNode n = JSON.readTree(data);
            return n.isObject() && n.hasNonNull("error") && !n.has("choices") && !n.has("type");
        } catch (Exception e) {
            return false;
        }
    }

    /** Well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF). */
    static final class Utf8 {
        private Utf8() {
        }

        static boolean valid(byte[] b, int from, int to) {
            int i = from;
            while (i < to) {
                int c = b[i] & 0xff;
                if (c < 0x80) {
                    i++;
                    continue;
                }
                int len;
                int lo = 0x80, hi = 0xbf; // the range of the second byte
                if (c >= 0xc2 && c <= 0xdf) {
                    len = 2;
                } else if (c >= 0xe0 && c <= 0xef) {
                    len = 3;
                    if (c == 0xe0) lo = 0xa0;
                    if (c == 0xed) hi = 0x9f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                    len = 4;
                    if (c == 0xf0) lo = 0x90;
                    if (c == 0xf4) hi = 0x8f;
                } else {
                    return false;
                }
                if (i + len > to) return false;
                int c1 = b[i + 1] & 0xff;
                if (c1 < lo || c1 > hi) return false;
                for (int k = 2; k < len; k++) {
                    int ck = b[i + k] & 0xff;
                    if (ck < 0x80 || ck > 0xbf) return false;
                }
                i += len;
            }
            return true;
        }
    }
}
