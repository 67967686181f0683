package dev.sluice.gateway;

import dev.sluice.gateway.http.ClientMistakes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The log of client mistakes: one WARN line each without a stack, at most N a second, every one counted. */
class ClientMistakesTest {
    @Test
    void beyondTheRateLinesAreSuppressedAndTheNextLineSaysHowMany() {
        AtomicLong nanos = new AtomicLong();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        ClientMistakes mistakes = new ClientMistakes(metrics, 10, nanos::get);
        try (CapturedLogs logs = new CapturedLogs()) {
            for (int i = 0; i < 25; i++) mistakes.record("malformed_request", "req_" + i, "bad\nline two");
            assertThat(lines(logs)).hasSize(10)
                    .allSatisfy(l -> assertThat(l).contains("\"level\":\"WARN\"").doesNotContain("stack_trace")
                            .doesNotContain("line two"));
            nanos.addAndGet(1_000_000_000L);
            mistakes.record("malformed_request", "req_x", "again");
            assertThat(lines(logs)).hasSize(11).last().asString().contains("suppressed 15 similar lines");
        }
        assertThat(metrics.counter("sluice_client_mistakes", "kind", "malformed_request").count()).isEqualTo(26);
    }

    private static List<String> lines(CapturedLogs logs) {
        return logs.lines().stream().filter(l -> l.contains("\"logger_name\":\"sluice.client\"")).toList();
    }
}
