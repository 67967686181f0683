package dev.sluice.gateway.upstream;

import dev.sluice.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay of OpenAI-compatible streams cuts plain {@code data: <json>\n\n} events out of the bytes and relays them
 * as they are; it must give exactly the events of the full SSE parser ({@link SseBytes}) for any stream, however the
 * network cuts it, and each event's wire bytes must be what {@link SseEvent#encode()} writes.
 */
class SseRelayTest {
    private static final String CHUNK = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}]}";

    /** Streams with every shape the relay must handle, as bytes (some not UTF-8). */
    private static List<byte[]> streams() {
        List<byte[]> s = new ArrayList<>();
        s.add(text("data: " + chunk("Hello") + "\n\ndata: " + chunk(" world") + "\n\ndata: [DONE]\n\n"));
        s.add(text("data: " + chunk("héllo wörld — 日本語 🎉") + "\n\ndata: [DONE]\n\n")); // multi-byte UTF-8
        s.add(text(": keep-alive comment\n\ndata: " + chunk("a") + "\n\n: ping\ndata: " + chunk("b") + "\n\ndata: [DONE]\n\n"));
        s.add(text("data: " + chunk("crlf") + "\r\n\r\ndata: " + chunk("lf") + "\n\ndata: [DONE]\r\n\r\n")); // CR line ends
        s.add(text("data: " + chunk("cr") + "\r\rdata: " + chunk("x") + "\n\n"));
        s.add(text("event: message\ndata: " + chunk("named") + "\n\ndata: " + chunk("plain") + "\n\n"));
        s.add(text("id: 7\ndata: " + chunk("with id") + "\n\ndata: " + chunk("plain") + "\n\n"));
        s.add(text("retry: 100\ndata: " + chunk("after retry") + "\n\n"));
        s.add(text("data: {\"a\":1,\ndata: \"choices\":[]}\n\ndata: " + chunk("next") + "\n\n")); // two data lines
        s.add(text("data:" + chunk("no space") + "\n\ndata:  " + chunk("two spaces") + "\n\n"));
        s.add(text("data: \n\ndata: " + chunk("after empty") + "\n\n\n\ndata: " + chunk("after blank lines") + "\n\n"));
        s.add(text("data: {\"error\":{\"message\":\"overloaded\"}}\n\ndata: " + chunk("never") + "\n\n")); // error event
        s.add(text("event: error\ndata: {\"message\":\"x\"}\n\n"));
        s.add(text("data: " + chunk("no final blank line")));
        s.add(text("data: " + chunk("final line end only") + "\n"));
        s.add(text("data: " + chunk("a") + "\n\ndata"));
        s.add(text("dat"));
        s.add(text("DATA: " + chunk("not a data field") + "\n\ndata: " + chunk("ok") + "\n\n"));
        s.add(text("data: " + chunk("x".repeat(70_000)) + "\n\ndata: [DONE]\n\n")); // longer than the relay holds
        // bytes that are not UTF-8: an overlong '/', a lone continuation byte, a surrogate, a cut sequence, > U+10FFFF
        for (String bad : new String[]{"c0af", "80", "eda080", "e282", "f4908080", "f5", "ff"}) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(text("data: " + chunk("ok") + "\n\ndata: {\"choices\":[],\"x\":\""));
            b.writeBytes(HexFormat.of().parseHex(bad));
            b.writeBytes(text("\"}\n\ndata: " + chunk("after") + "\n\ndata: [DONE]\n\n"));
            s.add(b.toByteArray());
        }
        return s;
    }

    @Test
    void givesTheEventsOfTheFullParserWhereverTheBytesAreCut() {
        for (byte[] stream : streams()) {
            List<String> expected = reference(List.of(stream));
            for (int cut = 0; cut <= stream.length; cut++) { // one cut anywhere, in or between characters
                if (stream.length > 4096 && cut > 300 && cut < stream.length - 300 && cut % 1013 != 0) continue;
                List<byte[]> pieces = List.of(slice(stream, 0, cut), slice(stream, cut, stream.length));
                assertThat(relayed(pieces)).as("cut at %d of %s", cut, show(stream)).isEqualTo(expected);
            }
            Random random = new Random(stream.length);
            for (int round = 0; round < 50; round++) { // many small cuts
                List<byte[]> pieces = new ArrayList<>();
                int p = 0;
                while (p < stream.length) {
                    int n = 1 + random.nextInt(Math.min(stream.length > 4096 ? 4000 : 40, stream.length - p));
                    pieces.add(slice(stream, p, p + n));
                    p += n;
                }
                assertThat(relayed(pieces)).as("round %d of %s", round, show(stream)).isEqualTo(expected);
            }
        }
    }

    @Test
    void relaysPlainEventsAsTheirOwnBytesAndTheOthersEncoded() {
        SseRelay relay = new SseRelay();
        List<StreamTranslator.Item> items = new ArrayList<>(relay.feed(Buffer.buffer(text(
                "data: " + chunk("plain") + "\n\nevent: message\ndata: " + chunk("named") + "\n\n"))));
        items.addAll(relay.feed(Buffer.buffer(text("data: [DONE]\n\n"))));
        assertThat(items).hasSize(3);
        StreamTranslator.Event plain = (StreamTranslator.Event) items.get(0);
        assertThat(plain.wire()).isNotNull();
        assertThat(plain.wire().toString(StandardCharsets.UTF_8)).isEqualTo("data: " + chunk("plain") + "\n\n");
        assertThat(((StreamTranslator.Event) items.get(1)).wire()).as("an event: line goes through the parser").isNull();
        StreamTranslator.Event done = (StreamTranslator.Event) items.get(2);
        assertThat(done.event().isDone()).isTrue();
        assertThat(done.wire()).as("back to plain events with the next bytes once the parser is between events")
                .isNotNull();
        assertThat(relay.end()).isEmpty();
    }

    @Test
    void checksAWireEventFromItsBytesWithTheVerdictOfItsText() {
        String[] data = {chunk("ok"), chunk("日本語"), "{\"choices\":[}", "{\"keep\":\"alive\"}", "{\"type\":\"error\"}",
                "{\"error\":{\"message\":\"x\"}}", "[DONE]", "not json", "{\"choices\":[]} trailing"};
        for (String d : data) {
            List<StreamTranslator.Item> items = new SseRelay().feed(Buffer.buffer(text("data: " + d + "\n\n")));
            if (items.getFirst() instanceof StreamTranslator.Event e) {
                assertThat(e.wire()).isNotNull();
                for (dev.sluice.gateway.pipeline.Endpoint endpoint : dev.sluice.gateway.pipeline.Endpoint.values()) {
                    assertThat(StreamEventCheck.of(endpoint, e.event(), e.wire())).as("%s: %s", endpoint, d)
                            .isEqualTo(StreamEventCheck.of(endpoint, e.event()));
                }
            } else {
                assertThat(SseRelay.isError(SseEvent.data(d))).as(d).isTrue();
            }
        }
    }

    /** What the relay gives for the pieces, one line per item: the event (and its wire bytes checked) or the error. */
    private static List<String> relayed(List<byte[]> pieces) {
        SseRelay relay = new SseRelay();
        List<StreamTranslator.Item> items = new ArrayList<>();
        boolean failed = false;
        for (byte[] piece : pieces) {
            List<StreamTranslator.Item> got = relay.feed(Buffer.buffer(piece));
            items.addAll(got);
            if (!got.isEmpty() && got.getLast() instanceof StreamTranslator.Error) {
                failed = true;
                break; // the attempt ends at an error item
            }
        }
        if (!failed) items.addAll(relay.end());
        List<String> out = new ArrayList<>();
        for (StreamTranslator.Item item : items) {
            if (item instanceof StreamTranslator.Event e) {
                if (e.wire() != null) {
                    assertThat(e.wire().getBytes()).as("the wire bytes of %s", e.event())
                            .isEqualTo(e.event().encode().getBytes(StandardCharsets.UTF_8));
                }
                out.add(line(e.event()));
            } else {
                out.add("ERROR");
            }
        }
        return out;
    }

    /** What the full parser gives, with the relay's error rule: the reference. */
    private static List<String> reference(List<byte[]> pieces) {
        SseBytes parser = new SseBytes();
        List<SseEvent> events = new ArrayList<>();
        for (byte[] piece : pieces) events.addAll(parser.feed(Buffer.buffer(piece)));
        events.addAll(parser.finish());
        List<String> out = new ArrayList<>();
        for (SseEvent ev : events) {
            if (SseRelay.isError(ev)) {
                out.add("ERROR");
                break;
            }
            out.add(line(ev));
        }
        return out;
    }

    private static String line(SseEvent ev) {
        return "event=" + ev.event() + " id=" + ev.id() + " data=" + ev.data();
    }

    private static String chunk(String content) {
        return CHUNK.formatted(content);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private static String show(byte[] stream) {
        String s = new String(stream, StandardCharsets.UTF_8);
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }
}
