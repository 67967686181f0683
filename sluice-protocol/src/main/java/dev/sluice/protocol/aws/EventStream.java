package dev.sluice.protocol.aws;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The {@code application/vnd.amazon.eventstream} binary framing (Bedrock's ConverseStream, Transcribe, S3 Select):
 * each message is a 12-byte prelude (total length, headers length, CRC32 of those 8 bytes), typed headers, the
 * payload, and a CRC32 of everything before it. {@link #encode} writes one message; a {@link Decoder} reassembles
 * messages from chunks cut anywhere and checks both CRCs.
 */
public final class EventStream {
    /** Prelude (12) + message CRC (4). */
    public static final int OVERHEAD = 16;
    /** The largest message AWS sends (16 MiB payload plus headers); anything bigger is corruption, not data. */
    public static final int MAX_MESSAGE = 16 * 1024 * 1024 + 128 * 1024;

    public static final String MESSAGE_TYPE = ":message-type";
    public static final String EVENT_TYPE = ":event-type";
    public static final String EXCEPTION_TYPE = ":exception-type";
    public static final String CONTENT_TYPE = ":content-type";
    public static final String ERROR_CODE = ":error-code";
    public static final String ERROR_MESSAGE = ":error-message";

    private EventStream() {}

    /**
     * One message. Header values are kept as text (strings as they are, other types rendered: numbers in decimal,
     * booleans as true/false, bytes as hex, timestamps as epoch millis, UUIDs in canonical form); {@link #encode}
     * writes every header as a string.
     */
    public record Message(Map<String, String> headers, byte[] payload) {
        public Message {
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            payload = payload == null ? new byte[0] : payload;
        }

        public String header(String name) {
            return headers.get(name);
        }

        /** {@code event}, {@code exception} or {@code error}. */
        public String messageType() {
            return headers.getOrDefault(MESSAGE_TYPE, "event");
        }

        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** An {@code event} message with a JSON payload. */
        public static Message event(String eventType, String json) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put(EVENT_TYPE, eventType);
            h.put(CONTENT_TYPE, "application/json");
            h.put(MESSAGE_TYPE, "event");
            return new Message(h, json.getBytes(StandardCharsets.UTF_8));
        }

        /** An {@code exception} message (a modelled error inside the stream) with a JSON payload. */
        public static Message exception(String exceptionType, String json) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put(EXCEPTION_TYPE, exceptionType);
            h.put(CONTENT_TYPE, "application/json");
            h.put(MESSAGE_TYPE, "exception");
            return new Message(h, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The stream's bytes are not eventstream: a bad length, a CRC mismatch or an unknown header type. */
    public static final class FormatException extends RuntimeException {
        public FormatException(String message) {
            super(message, null, false, false);
        }
    }

    /** The wire bytes of {@code m}. */
    public static byte[] encode(Message m) {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        m.headers().forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            if (n.length > 255) throw new IllegalArgumentException("header name longer than 255 bytes: " + name);
            if (v.length > 0xffff) throw new IllegalArgumentException("header value longer than 65535 bytes");
            headers.write(n.length);
            headers.writeBytes(n);
            headers.write(7);
            headers.write(v.length >> 8);
            headers.write(v.length & 0xff);
            headers.writeBytes(v);
        });
        int headersLength = headers.size();
        int total = OVERHEAD + headersLength + m.payload().length;
        ByteBuffer out = ByteBuffer.allocate(total);
        out.putInt(total).putInt(headersLength);
        out.putInt((int) crc(out.array(), 0, 8));
        out.put(headers.toByteArray()).put(m.payload());
        out.putInt((int) crc(out.array(), 0, total - 4));
        return out.array();
    }

    private static long crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return c.getValue();
    }

    /**
     * Reassembles messages from a byte stream. {@link #feed} returns every message the bytes complete; a broken frame
     * throws {@link FormatException} (the stream cannot be resynchronised after it). Not thread-safe.
     */
    public static final class Decoder {
        private byte[] buf = new byte[8192];
        private int len;

        public List<Message> feed(byte[] chunk) {
            return feed(chunk, 0, chunk.length);
        }

        public List<Message> feed(byte[] chunk, int off, int n) {
            append(chunk, off, n);
            List<Message> out = new ArrayList<>(2);
            int pos = 0;
            while (len - pos >= 12) {
                ByteBuffer prelude = ByteBuffer.wrap(buf, pos, 12);
                long total = Integer.toUnsignedLong(prelude.getInt());
                long headersLength = Integer.toUnsignedLong(prelude.getInt());
                long preludeCrc = Integer.toUnsignedLong(prelude.getInt());
                if (crc(buf, pos, 8) != preludeCrc) throw new FormatException("eventstream prelude CRC mismatch");
                if (total < OVERHEAD || total > MAX_MESSAGE || headersLength > total - OVERHEAD) {
                    throw new FormatException("eventstream message length " + total + " (headers " + headersLength
                            + ") is out of range");
                }
                if (len - pos < total) break;
                int t = (int) total;
                long messageCrc = Integer.toUnsignedLong(ByteBuffer.wrap(buf, pos + t - 4, 4).getInt());
                if (crc(buf, pos, t - 4) != messageCrc) throw new FormatException("eventstream message CRC mismatch");
                Map<String, String> headers = headers(buf, pos + 12, (int) headersLength);
                int payloadStart = pos + 12 + (int) headersLength;
                byte[] payload = new byte[pos + t - 4 - payloadStart];
                System.arraycopy(buf, payloadStart, payload, 0, payload.length);
                out.add(new Message(headers, payload));
                pos += t;
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, len - pos);
                len -= pos;
            }
            return out;
        }

        /** Bytes received that do not yet form a whole message (non-zero when a stream ends, it was cut off). */
        public int buffered() {
            return len;
        }

        private void append(byte[] chunk, int off, int n) {
            if (len + n > buf.length) {
                byte[] bigger = new byte[Math.max(buf.length * 2, len + n)];
                System.arraycopy(buf, 0, bigger, 0, len);
                buf = bigger;
            }
            System.arraycopy(chunk, off, buf, len, n);
            len += n;
        }
    }

    private static Map<String, String> headers(byte[] b, int off, int length) {
        Map<String, String> h = new LinkedHashMap<>();
        ByteBuffer in = ByteBuffer.wrap(b, off, length);
        try {
            while (in.hasRemaining()) {
                int nameLength = in.get() & 0xff;
                String name = text(in, nameLength);
                int type = in.get() & 0xff;
                String value = switch (type) {
                    case 0 -> "true";
                    case 1 -> "false";
                    case 2 -> Byte.toString(in.get());
                    case 3 -> Short.toString(in.getShort());
                    case 4 -> Integer.toString(in.getInt());
                    case 5, 8 -> Long.toString(in.getLong());
                    case 6 -> {
                        byte[] v = new byte[in.getShort() & 0xffff];
                        in.get(v);
                        yield HexFormat.of().formatHex(v);
                    }
                    case 7 -> text(in, in.getShort() & 0xffff);
                    case 9 -> new UUID(in.getLong(), in.getLong()).toString();
                    default -> throw new FormatException("eventstream header '" + name + "' has unknown type " + type);
                };
                h.put(name, value);
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new FormatException("eventstream headers are truncated");
        }
        return h;
    }

    private static String text(ByteBuffer in, int n) {
        byte[] v = new byte[n];
        in.get(v);
        return new String(v, StandardCharsets.UTF_8);
    }
}
