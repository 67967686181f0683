package dev.sluice.protocol.aws;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventStreamTest {

    @Test
    void emptyMessageIsTheSixteenBytesOfTheReferenceVector() {
        byte[] wire = EventStream.encode(new EventStream.Message(Map.of(), new byte[0]));

        assertThat(HexFormat.of().formatHex(wire)).isEqualTo("000000100000000005c248eb7d98c8ff");
    }

    @Test
    void eventRoundTripsWithHeadersAndPayload() {
        EventStream.Message m = EventStream.Message.event("contentBlockDelta",
                "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"héllo ✓\"}}");

        List<EventStream.Message> back = new EventStream.Decoder().feed(EventStream.encode(m));

        assertThat(back).hasSize(1);
        assertThat(back.get(0).headers()).containsExactly(Map.entry(":event-type", "contentBlockDelta"),
                Map.entry(":content-type", "application/json"), Map.entry(":message-type", "event"));
        assertThat(back.get(0).payloadText()).isEqualTo("{\"contentBlockIndex\":0,\"delta\":{\"text\":\"héllo ✓\"}}");
    }

    @Test
    void messagesSplitAtEveryPossibleByteAreReassembled() {
        byte[] a = EventStream.encode(EventStream.Message.event("messageStart", "{\"role\":\"assistant\"}"));
        byte[] b = EventStream.encode(EventStream.Message.exception("throttlingException",
                "{\"message\":\"Too many requests\"}"));
        byte[] both = concat(a, b);
        for (int cut1 = 0; cut1 <= both.length; cut1++) {
            for (int cut2 = cut1; cut2 <= both.length; cut2 += 7) {
                EventStream.Decoder d = new EventStream.Decoder();
                List<EventStream.Message> got = new ArrayList<>();
                got.addAll(d.feed(both, 0, cut1));
                got.addAll(d.feed(both, cut1, cut2 - cut1));
                got.addAll(d.feed(both, cut2, both.length - cut2));
                assertThat(got).extracting(EventStream.Message::messageType).containsExactly("event", "exception");
                assertThat(got.get(1).header(":exception-type")).isEqualTo("throttlingException");
                assertThat(d.buffered()).isZero();
            }
        }
    }

    @Test
    void aTruncatedStreamLeavesBytesBuffered() {
        byte[] a = EventStream.encode(EventStream.Message.event("messageStop", "{\"stopReason\":\"end_turn\"}"));
        EventStream.Decoder d = new EventStream.Decoder();

        assertThat(d.feed(a, 0, a.length - 1)).isEmpty();
        assertThat(d.buffered()).isEqualTo(a.length - 1);
    }

    @Test
    void aCorruptPreludeIsRejectedBeforeItsLengthIsTrusted() {
        byte[] a = EventStream.encode(EventStream.Message.event("messageStart", "{}"));
        a[1] ^= 0x7f; // total length now enormous, prelude CRC no longer matches

        assertThatThrownBy(() -> new EventStream.Decoder().feed(a))
                .isInstanceOf(EventStream.FormatException.class).hasMessageContaining("prelude CRC");
    }

    @Test
    void aCorruptPayloadFailsTheMessageCrc() {
        byte[] a = EventStream.encode(EventStream.Message.event("messageStart", "{\"role\":\"assistant\"}"));
        a[a.length - 6] ^= 0x01;

        assertThatThrownBy(() -> new EventStream.Decoder().feed(a))
                .isInstanceOf(EventStream.FormatException.class).hasMessageContaining("message CRC");
    }

    @Test
    void nonStringHeaderTypesAreReadAsText() {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        header(h, "t", 0, new byte[0]);
        header(h, "f", 1, new byte[0]);
        header(h, "i", 4, ByteBuffer.allocate(4).putInt(-7).array());
        header(h, "l", 5, ByteBuffer.allocate(8).putLong(1234567890123L).array());
        header(h, "b", 6, new byte[] {0, 2, (byte) 0xca, (byte) 0xfe});
        byte[] wire = frame(h.toByteArray(), "x".getBytes(StandardCharsets.UTF_8));

        EventStream.Message m = new EventStream.Decoder().feed(wire).get(0);

        assertThat(m.headers()).containsEntry("t", "true").containsEntry("f", "false").containsEntry("i", "-7")
                .containsEntry("l", "1234567890123").containsEntry("b", "cafe");
        assertThat(m.payloadText()).isEqualTo("x");
    }

    @Test
    void anUnknownHeaderTypeIsAFormatError() {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        header(h, "z", 42, new byte[0]);

        assertThatThrownBy(() -> new EventStream.Decoder().feed(frame(h.toByteArray(), new byte[0])))
                .isInstanceOf(EventStream.FormatException.class).hasMessageContaining("unknown type 42");
    }

    private static void header(ByteArrayOutputStream out, String name, int type, byte[] value) {
        out.write(name.length());
        out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
        out.write(type);
        out.writeBytes(value);
    }

    private static byte[] frame(byte[] headers, byte[] payload) {
        int total = 16 + headers.length + payload.length;
        ByteBuffer b = ByteBuffer.allocate(total).putInt(total).putInt(headers.length);
        b.putInt((int) crc(b.array(), 8));
        b.put(headers).put(payload);
        b.putInt((int) crc(b.array(), total - 4));
        return b.array();
    }

    private static long crc(byte[] a, int n) {
        CRC32 c = new CRC32();
        c.update(a, 0, n);
        return c.getValue();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
