package dev.sluice.bench.load;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class SseScannerTest {
    private static final String STREAM = """
            data: {"id":"c1","choices":[{"delta":{"content":"héllo"}}]}

            data: {"id":"c1","choices":[{"delta":{"content":" world"}}]}

            data: [DONE]

            """;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 16, 1000})
    void eventsAreFoundWhereverTheBytesAreSplit(int pieceSize) {
        SseScanner sse = new SseScanner();
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += pieceSize) {
            byte[] piece = java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + pieceSize));
            sse.feed(piece);
        }

        assertThat(sse.events()).isEqualTo(3);
        assertThat(sse.done()).isTrue();
        assertThat(sse.errorCode()).isNull();
    }

    @Test
    void aStreamCutShortIsNotDone() {
        SseScanner sse = new SseScanner();
        sse.feed(STREAM.substring(0, STREAM.indexOf("data: [DONE]")).getBytes(StandardCharsets.UTF_8));

        assertThat(sse.events()).isEqualTo(2);
        assertThat(sse.done()).isFalse();
    }

    @Test
    void anInBandErrorEventKeepsItsCode() {
        SseScanner sse = new SseScanner();
        sse.feed(("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\r\n\r\n"
                + "data: {\"error\":{\"message\":\"upstream went away\",\"type\":\"api_error\",\"param\":null,"
                + "\"code\":\"upstream_stream_error\"}}\r\n\r\n").getBytes(StandardCharsets.UTF_8));

        assertThat(sse.errorCode()).isEqualTo("upstream_stream_error");
        assertThat(sse.done()).isFalse();
    }

    @Test
    void aLongEventSplitAnywhereIsStillOneEvent() {
        String big = "data: {\"error\":{\"message\":\"" + "x".repeat(5_000) + "\",\"code\":\"internal_error\"}}\n\n";
        SseScanner sse = new SseScanner();
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        sse.feed(java.util.Arrays.copyOfRange(bytes, 0, 1_000));
        sse.feed(java.util.Arrays.copyOfRange(bytes, 1_000, bytes.length));

        assertThat(sse.events()).isEqualTo(1);
        assertThat(sse.errorCode()).isEqualTo("internal_error");
    }

    @Test
    void contentThatMentionsErrorIsNotAnError() {
        SseScanner sse = new SseScanner();
        sse.feed("data: {\"choices\":[{\"delta\":{\"content\":\"the \\\"error\\\" word\"}}]}\n\n".getBytes(StandardCharsets.UTF_8));

        assertThat(sse.errorCode()).isNull();
    }
}
