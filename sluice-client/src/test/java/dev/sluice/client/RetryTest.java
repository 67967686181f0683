package dev.sluice.client;

import dev.sluice.testing.Loopback;
import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.FakeTime;
import dev.sluice.testing.ScriptedServer.Reply;
import dev.sluice.protocol.wire.ChatCompletion;
import dev.sluice.protocol.wire.ChatCompletionRequest;
import dev.sluice.protocol.wire.ChatMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Retries end to end: a real client against a scripted server, waits recorded by a fake clock instead of slept. */
@ExtendWith(NoLeakedThreads.class)
class RetryTest {
    static final ChatCompletionRequest HELLO = ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.user("hi")));
    static final String OK = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"sim-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}""";
    static final Reply RATE_LIMITED = Reply.error(429, "requests", "rate_limit_exceeded",
            "Rate limit reached for sim-mini in organization org-1 on requests per min (RPM): Limit 1, Used 1, Requested 1. Please try again in 1.25s.")
            .header("retry-after", "2").header("retry-after-ms", "1250").header("x-should-retry", "true");
    static final Reply OVERLOADED = Reply.error(503, "server_error", "server_overloaded",
            "The engine is currently overloaded, please try again later");

    private ScriptedServer server;
    private FakeTime time;
    private SluiceClient client;

    @BeforeEach
    void start() {
        server = ScriptedServer.start();
        time = new FakeTime();
        client = client(server.baseUrl(), 2);
    }

    private SluiceClient client(String url, int retries) {
        return SluiceClient.builder().apiKey("sk-test").baseUrl(url).maxRetries(retries).clock(time).sleeper(time::sleep).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void rateLimitIsRetriedAfterTheServersRetryAfterMs() {
        server.enqueue(RATE_LIMITED, Reply.json(200, OK));

        ChatCompletion c = client.chat().completions().create(HELLO);

        assertThat(c.text()).isEqualTo("Hello!");
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(1250));
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void quotaExhaustionIsNotRetried() {
        server.enqueue(Reply.error(429, "insufficient_quota", "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details."), Reply.json(200, OK));

        RateLimitException e = catchThrowableOfType(RateLimitException.class, () -> client.chat().completions().create(HELLO));

        assertThat(e.isQuotaExhausted()).isTrue();
        assertThat(server.requests()).hasSize(1);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void serverErrorsBackOffExponentiallyWithinTheJitterBoundsThenGiveUp() {
        try (SluiceClient five = client(server.baseUrl(), 5)) {
            for (int i = 0; i < 6; i++) server.enqueue(OVERLOADED);

            InternalServerException e = catchThrowableOfType(InternalServerException.class,
                    () -> five.chat().completions().create(HELLO));

            assertThat(e.status()).isEqualTo(503);
            assertThat(e.requestId()).isEqualTo(server.servedRequestIds().get(5));
            assertThat(server.requests()).hasSize(6);
            List<Duration> sleeps = time.sleeps();
            double[] maxMs = {500, 1000, 2000, 4000, 8000};
            assertThat(sleeps).hasSize(5);
            for (int n = 0; n < 5; n++) {
                assertThat(sleeps.get(n).toNanos() / 1e6).as("wait %d", n).isBetween(maxMs[n] * 0.75, maxMs[n]);
            }
        }
    }

    @Test
    void aRefusedConnectionIsRetriedThenReportedAsApiConnectionException() {
        try (SluiceClient refused = client(Loopback.refusedUrl(), 2)) {
            ApiConnectionException e = catchThrowableOfType(ApiConnectionException.class,
                    () -> refused.chat().completions().create(HELLO));

            assertThat(e.getCause()).isInstanceOf(java.net.ConnectException.class);
            assertThat(time.sleeps()).hasSize(2);
            assertThat(time.sleeps().get(0)).isBetween(Duration.ofMillis(375), Duration.ofMillis(500));
            assertThat(time.sleeps().get(1)).isBetween(Duration.ofMillis(750), Duration.ofMillis(1000));
        }
    }

    @Test
    void theDeadlineStopsRetriesBeforeTheBudgetIsSpent() {
        try (SluiceClient many = client(server.baseUrl(), 10)) {
            for (int i = 0; i < 10; i++) server.enqueue(OVERLOADED.header("retry-after-ms", "1000"));

            InternalServerException e = catchThrowableOfType(InternalServerException.class,
                    () -> many.chat().completions().create(HELLO, RequestOptions.defaults().deadline(Duration.ofMillis(2500))));

            assertThat(e.status()).isEqualTo(503);
            assertThat(server.requests()).hasSize(3); // at 0 s, 1 s, 2 s; a wait to 3 s would pass the 2.5 s deadline
            assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
        }
    }

    @Test
    void everyAttemptOfAPostCarriesTheSameIdempotencyKeyAndItsRetryCount() {
        server.enqueue(OVERLOADED, RATE_LIMITED, Reply.json(200, OK));

        client.chat().completions().create(HELLO);

        List<ScriptedServer.Recorded> seen = server.requests();
        assertThat(seen).extracting(r -> r.header("x-retry-count")).containsExactly("0", "1", "2");
        String key = seen.get(0).header("idempotency-key");
        assertThat(key).isNotBlank();
        assertThat(seen).extracting(r -> r.header("idempotency-key")).containsOnly(key);
        assertThat(seen).extracting(ScriptedServer.Recorded::bodyText).containsOnly(seen.get(0).bodyText());
    }

    @Test
    void eachCallGetsItsOwnIdempotencyKeyUnlessTheCallerGivesOne() {
        server.enqueue(Reply.json(200, OK), Reply.json(200, OK), OVERLOADED, Reply.json(200, OK));

        client.chat().completions().create(HELLO);
        client.chat().completions().create(HELLO);
        client.chat().completions().create(HELLO, RequestOptions.defaults().idempotencyKey("order-42"));

        List<ScriptedServer.Recorded> seen = server.requests();
        assertThat(seen.get(0).header("idempotency-key")).isNotEqualTo(seen.get(1).header("idempotency-key"));
        assertThat(seen.subList(2, 4)).extracting(r -> r.header("idempotency-key")).containsOnly("order-42");
    }

    @Test
    void getRequestsCarryARetryCountButNoIdempotencyKey() {
        server.enqueue(OVERLOADED, Reply.json(200, "{\"object\":\"list\",\"data\":[]}"));

        client.models().list();

        assertThat(server.requests()).extracting(r -> r.header("x-retry-count")).containsExactly("0", "1");
        assertThat(server.requests()).allSatisfy(r -> assertThat(r.header("idempotency-key")).isNull());
    }

    @Test
    void shouldRetryFalseIsObeyedEvenOnA503() {
        server.enqueue(OVERLOADED.header("x-should-retry", "false"), Reply.json(200, OK));

        catchThrowableOfType(InternalServerException.class, () -> client.chat().completions().create(HELLO));

        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void shouldRetryTrueIsObeyedEvenOnA400() {
        server.enqueue(Reply.error(400, "invalid_request_error", null, "try again").header("x-should-retry", "true"),
                Reply.json(200, OK));

        assertThat(client.chat().completions().create(HELLO).text()).isEqualTo("Hello!");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aRetryAfterBeyondSixtySecondsIsNotWaitedFor() {
        server.enqueue(RATE_LIMITED.header("retry-after-ms", "90000").header("retry-after", "90"), Reply.json(200, OK));

        RateLimitException e = catchThrowableOfType(RateLimitException.class, () -> client.chat().completions().create(HELLO));

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(90));
        assertThat(server.requests()).hasSize(1);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void perCallMaxRetriesOverridesTheClients() {
        server.enqueue(OVERLOADED, OVERLOADED, Reply.json(200, OK));

        catchThrowableOfType(InternalServerException.class,
                () -> client.chat().completions().create(HELLO, RequestOptions.defaults().maxRetries(1)));

        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void cancellingAnAsyncCallStopsItsRetries() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        Sleeper blocking = d -> {
            waiting.countDown();
            try {
                new CountDownLatch(1).await(); // until interrupted by the cancellation
            } catch (InterruptedException e) {
                interrupted.complete(true);
                throw e;
            }
        };
        server.enqueue(OVERLOADED, Reply.json(200, OK));
        try (SluiceClient c = SluiceClient.builder().baseUrl(server.baseUrl()).sleeper(blocking).build()) {
            CompletableFuture<ChatCompletion> f = c.chat().completions().createAsync(HELLO);
            assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();

            f.cancel(true);

            assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(f).isCancelled();
            assertThat(server.requests()).hasSize(1);
        }
    }
}
