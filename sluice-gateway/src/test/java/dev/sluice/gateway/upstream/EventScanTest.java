package dev.sluice.gateway.upstream;

import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.protocol.SseEvent;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written check of a stream event's JSON ({@link EventScan}) gives Jackson's verdict and sees the same
 * fields, on real events and on some eighty thousand mutations of them (bytes inserted, removed, replaced,
 * repeated, cut), each checked for every endpoint against the check by Jackson over the event's text.
 */
class EventScanTest {
    private static final String[] SEEDS = {
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1795984780,\"model\":\"sim-mini\","
                    + "\"system_fingerprint\":\"fp_x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" small\"},"
                    + "\"logprobs\":null,\"finish_reason\":null}]}",
            "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}}]}",
            "{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":100,\"total_tokens\":112,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}",
            "{\"choices\":[{\"delta\":{\"content\":\"h\\u00e9 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"},\"x\":[1,-2,3.5,-0.0,1e5,"
                    + "2E-3,0,true,false,null,{},[]]}]}",
            "{\"choices\":[{\"delta\":{\"content\":\"日本語 🎉 — é\"}}]}",
            "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":0,\"delta\":\"Hi\"}",
            "{\"type\":\"response.failed\",\"response\":{\"error\":{\"code\":\"server_error\"}}}",
            "{\"type\":\"error\",\"code\":\"x\",\"message\":\"m\"}",
            "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":null}}",
            "{\"error\":null,\"choices\":[]}",
            "{\"error\":\"boom\",\"type\":7}",
            "{\"choices\":[1],\"choices\":7,\"type\":\"a\",\"type\":null}",
            "{\"type\":\"err\\u006fr\"}",
            "{\"ch\\u006fices\":[]}",
            "{ \"choices\" : [ ] , \"a\" : { \"b\" : [ [ [ ] ] ] } }\t\r\n",
            "  \n{\"choices\":[]}",
            "{\"choices\":[]} trailing [",
            "{}",
            "{\"n\":[0.5,-12e+3,123456789012345678901234567890]}",
            "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"obfuscation\":\"Ab\"}",
    };

    /** What a mutation inserts: JSON's structure, literals' and numbers' letters, escapes, controls, UTF-8. */
    private static final byte[] ALPHABET = "{}[]\":,\\ \t\n\r0123456789-+.eEtruefalsnu/bx'#AZ_$\u0000\u0001\u007f"
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[][] UTF8 = {"é".getBytes(StandardCharsets.UTF_8), "日".getBytes(StandardCharsets.UTF_8),
            "🎉".getBytes(StandardCharsets.UTF_8), {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}};

    @Test
    void givesJacksonsVerdictOnEventsAndOnTheirMutations() {
        Random random = new Random(20261129);
        int checked = 0, sure = 0;
        List<byte[]> cases = new ArrayList<>();
        for (String seed : SEEDS) cases.add(seed.getBytes(StandardCharsets.UTF_8));
        for (String seed : SEEDS) {
            byte[] s = seed.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 4_000; i++) cases.add(mutate(s, random, 1 + random.nextInt(3)));
        }
        cases.add(("{\"a\":" + "[".repeat(70) + "]".repeat(70) + ",\"choices\":[]}").getBytes(StandardCharsets.UTF_8));
        cases.add(("{\"a\":" + "1".repeat(1200) + ",\"choices\":[]}").getBytes(StandardCharsets.UTF_8));
        cases.add(("{\"" + "k".repeat(60_000) + "\":1,\"choices\":[]}").getBytes(StandardCharsets.UTF_8));
        cases.add(new byte[]{'{', 0, '}', 0});
        cases.add("\uFEFF{\"choices\":[]}".getBytes(StandardCharsets.UTF_8)); // a byte-order mark: not white space
        for (byte[] json : cases) {
            if (!SseRelay.Utf8.valid(json, 0, json.length)) continue; // a wire event is UTF-8
            String text = new String(json, StandardCharsets.UTF_8);
            if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.isBlank()) continue; // one data line
            checked++;
            EventScan.Fields f = new EventScan.Fields();
            int verdict = EventScan.scan(json, 0, json.length, f);
            if (verdict != EventScan.UNSURE) {
                sure++;
                boolean jackson = AnswerScan.fields(text, (name, value, p) -> { });
                assertThat(verdict == EventScan.VALID).as("verdict on %s", text).isEqualTo(jackson);
            }
            SseEvent ev = SseEvent.data(text);
            Buffer wire = wire(json);
            for (Endpoint endpoint : Endpoint.values()) {
                assertThat(StreamEventCheck.of(endpoint, ev, wire)).as("%s: %s", endpoint, text)
                        .isEqualTo(StreamEventCheck.of(endpoint, ev));
            }
        }
        assertThat(checked).isGreaterThan(55_000);
        assertThat(sure).as("decided by hand, not left to Jackson").isGreaterThan(checked * 9 / 10);
    }

    @Test
    void leavesToJacksonWhatItMightDecideOtherwise() {
        for (String json : new String[]{"{\"ch\\u006fices\":[]}", "{\"type\":\"err\\u006fr\"}",
                "{\"a\":" + "[".repeat(70) + "]".repeat(70) + "}", "{\"a\":" + "1".repeat(200) + "}",
                }) {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            assertThat(EventScan.scan(b, 0, b.length, new EventScan.Fields())).as(json).isEqualTo(EventScan.UNSURE);
        }
    }

    private static Buffer wire(byte[] json) {
        byte[] w = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, w, 0, 6);
        System.arraycopy(json, 0, w, 6, json.length);
        w[w.length - 2] = '\n';
        w[w.length - 1] = '\n';
        return BufferInternal.buffer(Unpooled.wrappedBuffer(w));
    }

    private static byte[] mutate(byte[] s, Random r, int times) {
        byte[] b = s;
        for (int t = 0; t < times; t++) {
            int at = b.length == 0 ? 0 : r.nextInt(b.length);
            byte[] insert = r.nextInt(10) == 0 ? UTF8[r.nextInt(UTF8.length)] : new byte[]{ALPHABET[r.nextInt(ALPHABET.length)]};
            b = switch (r.nextInt(5)) {
                case 0 -> splice(b, at, 0, insert); // insert
                case 1 -> splice(b, at, Math.min(1 + r.nextInt(3), b.length - at), new byte[0]); // remove
                case 2 -> splice(b, at, Math.min(1, b.length - at), insert); // replace
                case 3 -> { // repeat a piece
                    int len = Math.min(1 + r.nextInt(12), b.length - at);
                    yield splice(b, at, 0, java.util.Arrays.copyOfRange(b, at, at + len));
                }
                default -> java.util.Arrays.copyOf(b, at); // cut
            };
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
