package dev.sluice.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void errorBodyAlwaysHasAllFourKeys() throws Exception {
        JsonNode n = JSON.readTree(ErrorKind.INVALID_JSON.error("detail", "x").toJson()).get("error");
        assertThat(n.has("message") && n.has("type") && n.has("param") && n.has("code")).isTrue();
        assertThat(n.get("param").isNull()).isTrue();
        assertThat(n.get("code").isNull()).isTrue();
        assertThat(n.get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void templatesFillNamedPlaceholdersAndParam() {
        ApiError e = ErrorKind.MISSING_PARAMETER.errorAt("model");
        assertThat(e.message()).isEqualTo("Missing required parameter: 'model'.");
        assertThat(e.param()).isEqualTo("model");
        ApiError r = ErrorKind.RATE_LIMIT_REQUESTS.errorAt("model", "model", "sim-mini", "org", "org-1", "project", "",
                "limit_name", "requests per min", "limit_abbr", "RPM", "limit", "60", "used", "60",
                "requested", "1", "wait", "1s");
        assertThat(r.message()).isEqualTo("Rate limit reached for sim-mini in organization org-1 on requests per min "
                + "(RPM): Limit 60, Used 60, Requested 1. Please try again in 1s.");
        assertThat(r.type()).isEqualTo("requests");
    }

    @Test
    void missingPlaceholderValueIsAProgrammingError() {
        assertThatThrownBy(() -> ErrorKind.MODEL_NOT_FOUND.errorAt("model")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void everyRowMatchesItselfFromTheWire(ErrorKind k) {
        ErrorKind m = ErrorKind.match(k.status(), k.type(), k.code()).orElseThrow();
        assertThat(m.status()).isEqualTo(k.status());
        assertThat(m.code()).isEqualTo(k.code());
    }

    @Test
    void quotaAndRateLimitAreDistinguished() {
        assertThat(ErrorKind.match(429, "insufficient_quota", "insufficient_quota")).contains(ErrorKind.INSUFFICIENT_QUOTA);
        assertThat(ErrorKind.match(429, "tokens", "rate_limit_exceeded")).contains(ErrorKind.RATE_LIMIT_TOKENS);
        assertThat(ErrorKind.INSUFFICIENT_QUOTA.shouldRetry()).isFalse();
        assertThat(ErrorKind.RATE_LIMIT_REQUESTS.shouldRetry()).isTrue();
        assertThat(ErrorKind.match(418, null, null)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"0,0ms", "20,20ms", "644,644ms", "1000,1s", "9816,9.816s", "90000,1m30s", "360000,6m0s",
            "3723500,1h2m3.5s", "3600000,1h0m0s"})
    void durationsUseOpenAiFormat(long millis, String text) {
        assertThat(Durations.formatMillis(millis)).isEqualTo(text);
        assertThat(Durations.parse(text)).contains(Duration.ofMillis(millis));
    }

    @Test
    void durationParsingToleratesOddInput() {
        assertThat(Durations.parse("2")).contains(Duration.ofSeconds(2));
        assertThat(Durations.parse("-1")).isEmpty();
        assertThat(Durations.parse("soon")).isEmpty();
        assertThat(Durations.parse("")).isEmpty();
        assertThat(Durations.parse(null)).isEmpty();
    }

    @Test
    void requestIdsAreReqPlus32Hex() {
        String id = RequestIds.next();
        assertThat(id).matches("req_[0-9a-f]{32}");
        assertThat(RequestIds.isValid(id)).isTrue();
        assertThat(RequestIds.next()).isNotEqualTo(id);
    }

    @Test
    void requestIdsStartWithTheirTimeSoLaterIdsSortAfter() {
        long t = 1_795_000_000_123L; // 2026-11-18
        String a = RequestIds.next(t);
        assertThat(a).startsWith("req_" + String.format("%012x", t)).matches("req_[0-9a-f]{32}");
        assertThat(RequestIds.isValid(a)).isTrue();
        // the ledger's request_id index grows at its right edge: an id of a later millisecond sorts after every id
        // of an earlier one, whatever its random part
        for (int i = 0; i < 1_000; i++) {
            assertThat(RequestIds.next(t + 1)).isGreaterThan(RequestIds.next(t));
        }
        // the 80 random bits differ between ids of the same millisecond
        java.util.Set<String> same = new java.util.HashSet<>();
        for (int i = 0; i < 10_000; i++) same.add(RequestIds.next(t));
        assertThat(same).hasSize(10_000);
        assertThat(RequestIds.random()).matches("req_[0-9a-f]{32}");
    }

    @Test
    void keysAreMaskedKeepingPrefixFiveAndLastFour() {
        assertThat(KeyMask.mask("sk-PMafPabcdefghijklmnopE873")).isEqualTo("sk-PMafP" + "*".repeat(16) + "E873");
        assertThat(KeyMask.mask("sk-proj-ABCDEfghijklmnopqrstuvwxyz1234"))
                .startsWith("sk-proj-ABCDE*").endsWith("1234").doesNotContain("fghij");
        assertThat(KeyMask.mask("short")).isEqualTo("*****");
        assertThat(KeyMask.mask("elevenchars")).isEqualTo("***********");
    }

    @Test
    void lenientErrorBodyParsingNeverThrows() {
        assertThat(ErrorBodies.parse("<html>502 Bad Gateway</html>")).isEmpty();
        assertThat(ErrorBodies.parse("")).isEmpty();
        assertThat(ErrorBodies.parse("{\"error\":{\"message\":\"trunc")).isEmpty();
        assertThat(ErrorBodies.parse("{\"detail\":\"Not Found\"}").orElseThrow().message()).isEqualTo("Not Found");
        ApiError e = ErrorBodies.parse(ErrorKind.INSUFFICIENT_QUOTA.error().toJson()).orElseThrow();
        assertThat(e.code()).isEqualTo("insufficient_quota");
    }

    @Test
    void sseRoundTripsAcrossArbitraryChunking() {
        String wire = SseEvent.data("{\"a\":1}").encode() + SseEvent.named("error", "line1\nline2").encode()
                + ": comment\r\n" + "data: [DONE]\r\n\r\n";
        for (int split = 1; split < wire.length(); split++) {
            SseDecoder d = new SseDecoder();
            List<SseEvent> events = new java.util.ArrayList<>(d.feed(wire.substring(0, split)));
            events.addAll(d.feed(wire.substring(split)));
            events.addAll(d.finish());
            assertThat(events).containsExactly(SseEvent.data("{\"a\":1}"), SseEvent.named("error", "line1\nline2"),
                    SseEvent.data("[DONE]"));
        }
    }

    @Test
    void sseFinishDeliversAnUnterminatedEvent() {
        SseDecoder d = new SseDecoder();
        assertThat(d.feed("data: partial")).isEmpty();
        assertThat(d.finish()).containsExactly(SseEvent.data("partial"));
    }

    /**
     * Lines now go into the decoder as ranges, not one character at a time: on random wires (CR, LF and CRLF line ends,
     * comments, event and id fields, multi-line data) cut into random chunks, it decodes exactly what the
     * character-at-a-time line splitter gives for the whole wire.
     */
    @Test
    void sseChunkBoundariesAndLineEndsNeverChangeTheEvents() {
        java.util.Random random = new java.util.Random(13);
        String[] ends = {"\n", "\r", "\r\n"};
        String[] lines = {"data: {\"a\":1}", "data:x", "data", "event: error", "id: 7", ": keep-alive", "retry: 5",
                "data: \u00e9\u4e2d", "", "", "data: [DONE]"};
        for (int round = 0; round < 500; round++) {
            StringBuilder wire = new StringBuilder();
            for (int i = random.nextInt(12); i >= 0; i--) {
                wire.append(lines[random.nextInt(lines.length)]).append(ends[random.nextInt(ends.length)]);
            }
            if (random.nextBoolean()) wire.append("data: tail");
            String w = wire.toString();

            List<SseEvent> expected = referenceDecode(w);
            SseDecoder d = new SseDecoder();
            List<SseEvent> actual = new java.util.ArrayList<>();
            for (int at = 0; at < w.length(); ) {
                int next = Math.min(w.length(), at + 1 + random.nextInt(8));
                actual.addAll(d.feed(w.substring(at, next)));
                at = next;
            }
            actual.addAll(d.finish());
            assertThat(actual).as("wire %s", w.replace("\r", "\\r").replace("\n", "\\n")).isEqualTo(expected);
        }
    }

    /** The SSE line rules one character at a time (the decoder's algorithm before it appended ranges). */
    private static List<SseEvent> referenceDecode(String wire) {
        StringBuilder line = new StringBuilder();
        boolean lastWasCr = false;
        List<SseEvent> out = new java.util.ArrayList<>();
        StringBuilder data = new StringBuilder();
        String[] eventAndId = new String[2];
        boolean[] hasData = {false};
        Runnable dispatch = () -> {
            if (hasData[0] || eventAndId[0] != null) out.add(new SseEvent(eventAndId[0], hasData[0] ? data.toString() : "", eventAndId[1]));
            data.setLength(0);
            hasData[0] = false;
            eventAndId[0] = null;
            eventAndId[1] = null;
        };
        java.util.function.Consumer<String> endLine = l -> {
            if (l.isEmpty()) {
                dispatch.run();
                return;
            }
            if (l.charAt(0) == ':') return;
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1);
            if (value.startsWith(" ")) value = value.substring(1);
            switch (field) {
                case "data" -> {
                    if (hasData[0]) data.append('\n');
                    data.append(value);
                    hasData[0] = true;
                }
                case "event" -> eventAndId[0] = value;
                case "id" -> eventAndId[1] = value;
                default -> { }
            }
        };
        for (int i = 0; i < wire.length(); i++) {
            char c = wire.charAt(i);
            if (c == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = c == '\r';
            if (c == '\n' || c == '\r') {
                endLine.accept(line.toString());
                line.setLength(0);
            } else {
                line.append(c);
            }
        }
        if (!line.isEmpty()) endLine.accept(line.toString());
        dispatch.run();
        return out;
    }
}
