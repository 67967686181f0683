package dev.sluice.client;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.FakeTime;
import dev.sluice.testing.ScriptedServer.Reply;
import dev.sluice.client.internal.Pacer;
import dev.sluice.protocol.wire.ChatCompletionRequest;
import dev.sluice.protocol.wire.ChatMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(NoLeakedThreads.class)
class PacingTest {
    private ScriptedServer server;
    private FakeTime time;
    private final List<Integer> requestsSeenAtEachWait = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = ScriptedServer.start();
        time = new FakeTime();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SluiceClient client(boolean pacing) {
        Sleeper recording = d -> {
            requestsSeenAtEachWait.add(server.requests().size());
            time.sleep(d);
        };
        return SluiceClient.builder().baseUrl(server.baseUrl()).clock(time).sleeper(recording).pacing(pacing).build();
    }

    private static ChatCompletionRequest chat(String model) {
        return ChatCompletionRequest.of(model, List.of(ChatMessage.user("hi")));
    }

    private static Reply ok(String remainingRequests, String resetRequests, String remainingTokens, String resetTokens) {
        return Reply.json(200, RetryTest.OK)
                .header("x-ratelimit-limit-requests", "3").header("x-ratelimit-remaining-requests", remainingRequests)
                .header("x-ratelimit-reset-requests", resetRequests)
                .header("x-ratelimit-limit-tokens", "1000").header("x-ratelimit-remaining-tokens", remainingTokens)
                .header("x-ratelimit-reset-tokens", resetTokens);
    }

    @Test
    void pacingDelaysTheNextRequestUntilTheResetInsteadOfSendingItIntoA429() {
        server.enqueue(ok("0", "2s", "900", "1s"), ok("2", "1s", "800", "1s"));
        try (SluiceClient c = client(true)) {
            c.chat().completions().create(chat("sim-mini"));
            c.chat().completions().create(chat("sim-mini"));
        }
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(2));
        assertThat(requestsSeenAtEachWait).containsExactly(1); // the wait came before the second request was sent
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void exhaustedTokensDelayToo() {
        server.enqueue(ok("2", "1s", "0", "6m0s"), ok("2", "1s", "0", "1.5s"), ok("2", "1s", "10", "1s"));
        try (SluiceClient c = client(true)) {
            c.chat().completions().create(chat("sim-mini"));
            c.chat().completions().create(chat("sim-mini")); // 6 minutes is beyond what pacing waits: sent at once
            c.chat().completions().create(chat("sim-mini"));
        }
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(1500));
    }

    @Test
    void withoutPacingTheRequestIsSentAtOnce() {
        server.enqueue(ok("0", "2s", "900", "1s"), ok("2", "1s", "800", "1s"));
        try (SluiceClient c = client(false)) {
            c.chat().completions().create(chat("sim-mini"));
            c.chat().completions().create(chat("sim-mini"));
        }
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void pacingIsPerModel() {
        server.enqueue(ok("0", "2s", "900", "1s"), ok("2", "1s", "800", "1s"));
        try (SluiceClient c = client(true)) {
            c.chat().completions().create(chat("sim-mini"));
            c.chat().completions().create(chat("sim-large"));
        }
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void aRetryAfterA429WaitsOnceNotTwice() {
        server.enqueue(RetryTest.RATE_LIMITED.header("retry-after-ms", "1000")
                        .header("x-ratelimit-remaining-requests", "0").header("x-ratelimit-reset-requests", "1s"),
                ok("2", "1s", "900", "1s"));
        try (SluiceClient c = client(true)) {
            c.chat().completions().create(chat("sim-mini"));
        }
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1));
    }

    @Test
    void thePacerCountsRequestsDownBetweenAnswersAndRefillsAtTheReset() {
        Pacer pacer = new Pacer(Duration.ofSeconds(60));
        Instant t0 = Instant.parse("2026-03-01T12:00:00Z");
        pacer.observe("m", headers(Map.of("x-ratelimit-limit-requests", "2", "x-ratelimit-remaining-requests", "1",
                "x-ratelimit-reset-requests", "10s")), t0);

        assertThat(pacer.reserve("m", t0)).isZero();                         // the last one left
        assertThat(pacer.reserve("m", t0.plusSeconds(4))).isEqualTo(Duration.ofSeconds(6));
        assertThat(pacer.reserve("m", t0.plusSeconds(10))).isZero();         // refilled to the limit of 2
        assertThat(pacer.reserve("m", t0.plusSeconds(10))).isZero();
        assertThat(pacer.reserve("other", t0)).isZero();
        assertThat(pacer.reserve(null, t0)).isZero();
    }

    @Test
    void thePacerIgnoresOddHeaders() {
        Pacer pacer = new Pacer(Duration.ofSeconds(60));
        Instant t0 = Instant.parse("2026-03-01T12:00:00Z");
        pacer.observe("m", headers(Map.of("x-ratelimit-remaining-requests", "-1", "x-ratelimit-reset-requests", "soon",
                "x-ratelimit-remaining-tokens", "lots")), t0);
        assertThat(pacer.reserve("m", t0)).isZero();
    }

    private static HttpHeaders headers(Map<String, String> h) {
        return HttpOutcome.response(200, h, null, null).headers();
    }
}
