package dev.sluice.client;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.FakeTime;
import dev.sluice.testing.ScriptedServer.Reply;
import dev.sluice.gateway.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The SDK set up as the official OpenAI SDKs are (2 retries, obeying {@code x-should-retry} and {@code retry-after},
 * sending its timeout as {@code X-Stainless-Timeout}) against the gateway with its default retry budget, hints and
 * deadlines, in front of a dead upstream (always 503) and a silent one (never answers): one caller call costs the
 * provider at most 4 upstream calls, and the caller gets Sluice's answer before its own timeout. Client waits are
 * recorded on a fake clock; only the silent upstream's deadline takes real time (about a second per attempt).
 */
@ExtendWith(NoLeakedThreads.class)
class DeadUpstreamTest {
    static final String KEY = "sk-proj-deadUpstream0123456789abcdefghijklmnop";
    @TempDir
    static Path dir;
    static ScriptedServer dead;
    static ScriptedServer silent;
    static CountDownLatch silenceEnds = new CountDownLatch(1);
    static TestGateway gateway;

    @BeforeAll
    static void start() {
        dead = ScriptedServer.start().route(r -> Reply.error(503, "server_error", null, "The engine is down."));
        silent = ScriptedServer.start().route(r -> {
            try {
                silenceEnds.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.error(503, "server_error", null, "too late");
        });
        gateway = TestGateway.builder(dir).demoKey(KEY).env("UP_KEY", "sk-up-test").withoutSimulator()
                .config("models:\n" + model("m-dead", dead) + model("m-silent", silent) + model("m-warm-up", dead))
                .start();
        // the first request loads the tokenizer (seconds on a busy machine): keep it out of the 2 s timeouts below
        try (SluiceClient c = SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY).maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build()) {
            assertThat(catchThrowable(() -> c.chat().completions().create(chat("m-warm-up"))))
                    .isInstanceOf(InternalServerException.class);
        }
    }

    static String model(String id, ScriptedServer up) {
        return "  - {id: " + id + ", family: " + id + ", modality: chat, context_window: 16384, max_output_tokens: 4096,"
                + " tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: d,"
                + " provider: openai, model: up, base_url: \"" + up.baseUrl() + "\", api_key_env: UP_KEY}]}\n";
    }

    @AfterAll
    static void stop() {
        silenceEnds.countDown();
        gateway.close();
        dead.close();
        silent.close();
    }

    static SluiceClient officialLike(FakeTime time) {
        return SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY).maxRetries(2)
                .timeout(Duration.ofSeconds(2)).clock(time).sleeper(time::sleep).build();
    }

    static Map<String, Object> chat(String model) {
        return Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "Hello")));
    }

    @Test
    void aDeadUpstreamGetsAtMostFourCallsPerCallerCallAndTheCallerWaitsAsItIsTold() {
        for (int call = 0; call < 5; call++) {
            FakeTime time = new FakeTime();
            int before = dead.requests().size();
            try (SluiceClient c = officialLike(time)) {
                Throwable t = catchThrowable(() -> c.chat().completions().create(chat("m-dead")));
                assertThat(t).isInstanceOf(InternalServerException.class);
                InternalServerException e = (InternalServerException) t;
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("upstream_unavailable");
                assertThat(e.headers().firstValue("x-should-retry")).contains("true");
                assertThat(e.headers().firstValue("retry-after-ms")).isPresent();
                assertThat(e.error().orElseThrow().message()).contains(e.requestId());
            }
            int upstreamCalls = dead.requests().size() - before;
            assertThat(upstreamCalls).as("upstream calls of caller call %d", call).isLessThanOrEqualTo(4);
            assertThat(time.sleeps()).as("the client retried twice, each after Sluice's retry-after").hasSize(2)
                    .allSatisfy(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
        }
    }

    @Test
    void aSilentUpstreamIsAnswered504BeforeTheCallersOwnTimeout() {
        FakeTime time = new FakeTime();
        int before = silent.requests().size();
        try (SluiceClient c = officialLike(time)) {
            Throwable t = catchThrowable(() -> c.chat().completions().create(chat("m-silent")));
            assertThat(t).as("Sluice answered, the client did not time out").isInstanceOf(InternalServerException.class);
            InternalServerException e = (InternalServerException) t;
            assertThat(e.status()).isEqualTo(504);
            assertThat(e.code()).isEqualTo("upstream_timeout");
            assertThat(e.error().orElseThrow().message()).startsWith("The upstream provider did not respond within 1s.");
        }
        assertThat(silent.requests().size() - before).as("one upstream call per caller attempt").isEqualTo(3);
        assertThat(time.sleeps()).hasSize(2);
    }
}
