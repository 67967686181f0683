package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;

import static org.assertj.core.api.Assertions.assertThat;

class FailuresTest {
    @Test
    void anOpenAiErrorBodyIsNamedByStatusAndCode() {
        assertThat(Failures.http(504, "{\"error\":{\"message\":\"m\",\"type\":\"api_error\",\"param\":null,"
                + "\"code\":\"upstream_timeout\"}}")).isEqualTo("504 upstream_timeout");
    }

    @Test
    void withoutACodeTheTypeNamesIt() {
        assertThat(Failures.http(429, "{\"error\":{\"message\":\"m\",\"type\":\"requests\",\"code\":null}}"))
                .isEqualTo("429 requests");
    }

    @Test
    void aBodyThatIsNotAnOpenAiErrorLeavesTheStatus() {
        assertThat(Failures.http(502, "<html>Bad Gateway</html>")).isEqualTo("502");
        assertThat(Failures.http(500, "")).isEqualTo("500");
        assertThat(Failures.http(500, null)).isEqualTo("500");
    }

    @Test
    void runningOutOfFileDescriptorsIsSpelledOut() {
        assertThat(Failures.io(new IOException("Too many open files")))
                .isEqualTo("too many open files (file-descriptor limit reached)");
        assertThat(Failures.io(new ConnectException("Connection refused: /127.0.0.1:1"))).isEqualTo("connection refused");
    }
}
