package dev.sluice.gateway.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.marker.Markers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** An access line's fields written by type give exactly the bytes the encoder wrote through databind. */
class AccessFieldsTest {
    private final LoggerContext context = LogbackXml.context();
    private final LogstashEncoder encoder = LogbackXml.encoder(context, null);

    private String line(org.slf4j.Marker marker) {
        LoggingEvent event = new LoggingEvent("x", context.getLogger("sluice.access"), Level.INFO, "{} {} {}", null,
                new Object[]{"POST", "/v1/chat/completions", 200});
        event.setInstant(Instant.parse("2026-11-29T01:11:54.496346923Z"));
        event.setThreadName("sluice-access-log");
        event.addMarker(marker);
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> accessLine(Random r) {
        String[] strings = {"req_01a224dbccf2bf60f5002ddb4592fe74", "", "quote \" backslash \\ slash /", "tab\tnewline\n",
                "control \u0001\u001f", "unicode é 漢字 \uD83D\uDE00", "</script>", "sim-mini", "127.0.0.1", "::1"};
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request_id", strings[r.nextInt(strings.length)]);
        f.put("method", "POST");
        f.put("route", r.nextBoolean() ? "/v1/chat/completions" : strings[r.nextInt(strings.length)]);
        f.put("status", r.nextInt(600));
        f.put("error_code", r.nextBoolean() ? null : strings[r.nextInt(strings.length)]);
        f.put("latency_ms", r.nextBoolean() ? r.nextLong() : (long) r.nextInt(5));
        f.put("client_ip", strings[r.nextInt(strings.length)]);
        f.put("stream", r.nextBoolean());
        f.put("prompt_tokens", r.nextInt());
        f.put("attempts", r.nextInt(4));
        f.put("upstream_latency_ms", r.nextBoolean() ? null : Long.MIN_VALUE + r.nextInt(3));
        return f;
    }

    @Test
    void everyKindOfValueIsWrittenAsTheDatabindEncoderWroteIt() {
        Random r = new Random(13);
        List<String> compared = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Map<String, Object> fields = accessLine(r);
            String expected = line(Markers.appendEntries(fields));
            assertThat(line(new AccessFields(fields))).isEqualTo(expected);
            compared.add(expected);
        }
        assertThat(compared).anySatisfy(l -> assertThat(l).contains("\"error_code\":null", "\"stream\":true",
                "\\\"", "\\u0001"));
    }

    @Test
    void theTextLayoutStillSeesTheFieldsAsAMapMarker() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("request_id", "req_1");
        fields.put("status", 429);
        assertThat(new AccessFields(fields)).isInstanceOf(net.logstash.logback.marker.MapEntriesAppendingMarker.class)
                .hasToString(Markers.appendEntries(fields).toString());
    }
}
