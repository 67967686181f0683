package dev.sluice.client;

import dev.sluice.testing.FakeTime;
import dev.sluice.gateway.TestGateway;
import dev.sluice.protocol.wire.ChatCompletion;
import dev.sluice.protocol.wire.ChatCompletionChunk;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The SDK against the real gateway and simulator on loopback: every exception class from a real response, with the
 * response's request id, and the retry rules on real answers (with a fake clock, so no real sleeps).
 */
@org.junit.jupiter.api.extension.ExtendWith(NoLeakedThreads.class)
class AgainstGatewayTest {
    static final String KEY = "sk-proj-clientTest0123456789abcdefghijklmnopqr";
    @TempDir
    static Path dir;
    static TestGateway gateway;
    static Vertx simVertx;
    static SimulatorServer sim;

    @BeforeAll
    static void start() throws Exception {
        // a request with TestGateway.FAULT_HEADER (x-test-fault) fails inside the gateway: a 500
        gateway = TestGateway.builder(dir).demoKey(KEY)
                .config("simulator:\n  tokens_per_second: 0\nupstream_timeouts:\n  first_byte_ms: 1000\n").start();
        simVertx = Vertx.vertx();
        sim = SimulatorServer.start(simVertx, SimulatorOptions.defaults().withTokensPerSecond(0))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        simVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static SluiceClient client(FakeTime time, String key) {
        return SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).clock(time).sleeper(time::sleep).build();
    }

    static Map<String, Object> chat(String model) {
        return Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "Hello")));
    }

    @Test
    void aChatCompletionComesBackTyped() {
        try (SluiceClient c = client(new FakeTime(), KEY)) {
            ChatCompletion r = c.chat().completions().create(chat("sim-mini"));
            assertThat(r.choices()).isNotEmpty();
            assertThat(r.usage().completionTokens()).isPositive();
        }
    }

    @Test
    void aStreamCompletes() {
        try (SluiceClient c = client(new FakeTime(), KEY);
             EventStream<ChatCompletionChunk> s = c.chat().completions().stream(
                     Map.of("model", "sim-mini", "stream", true, "messages", List.of(Map.of("role", "user", "content", "Hi"))))) {
            s.forEachRemaining(x -> { });
            assertThat(s.state()).isEqualTo(StreamState.COMPLETED);
            assertThat(s.text()).isNotBlank();
            assertThat(s.requestId()).matches("req_[0-9a-f]{32}");
        }
    }

    @Test
    void aMidStreamErrorIsAStreamExceptionWithThePartialText() {
        try (SluiceClient c = SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY)
                .header("x-sluice-sim", "stream_error_after=3").build();
             EventStream<ChatCompletionChunk> s = c.chat().completions().stream(
                     Map.of("model", "sim-mini", "stream", true, "messages", List.of(Map.of("role", "user", "content", "Hi"))))) {
            StreamException e = catchThrowableOfType(StreamException.class, () -> s.forEachRemaining(x -> { }));
            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo("bad_gateway");
            assertThat(e.partialText()).isNotBlank();
            assertThat(s.state()).isEqualTo(StreamState.FAILED);
        }
    }

    @Test
    void missingKeyIsAnAuthenticationExceptionNeverRetried() {
        FakeTime time = new FakeTime();
        try (SluiceClient c = client(time, null)) {
            AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
                    () -> c.chat().completions().create(chat("sim-mini")));
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.code()).isEqualTo("missing_api_key");
            assertThat(e.requestId()).matches("req_[0-9a-f]{32}");
            assertThat(time.sleeps()).isEmpty();
        }
    }

    @Test
    void badRequestIsABadRequestExceptionWithParam() {
        FakeTime time = new FakeTime();
        try (SluiceClient c = client(time, KEY)) {
            BadRequestException e = catchThrowableOfType(BadRequestException.class,
                    () -> c.chat().completions().create(Map.of("model", "sim-mini", "messages",
                            List.of(Map.of("role", "user", "content", "x")), "temperature", 7)));
            assertThat(e.code()).isEqualTo("invalid_value");
            assertThat(e.param()).isEqualTo("temperature");
            assertThat(e.requestId()).matches("req_[0-9a-f]{32}");
            assertThat(ErrorClassifier.classify(e)).isEqualTo(dev.sluice.protocol.NextAction.FIX_REQUEST);
            assertThat(time.sleeps()).isEmpty();
        }
    }

    @Test
    void unknownModelIsNotFound() {
        try (SluiceClient c = client(new FakeTime(), KEY)) {
            NotFoundException e = catchThrowableOfType(NotFoundException.class,
                    () -> c.chat().completions().create(chat("nope")));
            assertThat(e.code()).isEqualTo("model_not_found");
            assertThat(e.requestId()).isNotNull();
        }
    }

    @Test
    void aGatewayFaultIsAnInternalServerErrorRetriedTwice() {
        FakeTime time = new FakeTime();
        try (SluiceClient c = SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY).clock(time).sleeper(time::sleep)
                .header("x-test-fault", "1").build()) {
            InternalServerException e = catchThrowableOfType(InternalServerException.class,
                    () -> c.chat().completions().create(chat("sim-mini")));
            assertThat(e.status()).isEqualTo(500);
            assertThat(e.code()).isEqualTo("internal_error");
            assertThat(e.getMessage()).contains(e.requestId());
            assertThat(time.sleeps()).hasSize(2);
        }
    }

    @ParameterizedTest
    @CsvSource({"status=503,503,upstream_unavailable", "status=500,502,bad_gateway", "hang,504,upstream_timeout",
            "malformed,502,bad_gateway"})
    void upstreamFailuresThroughTheGatewayAreRetriedServerErrors(String directive, int status, String code) {
        FakeTime time = new FakeTime();
        try (SluiceClient c = SluiceClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY).clock(time).sleeper(time::sleep)
                .header("x-sluice-sim", directive).build()) {
            InternalServerException e = catchThrowableOfType(InternalServerException.class,
                    () -> c.chat().completions().create(chat("sim-mini")));
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.requestId()).matches("req_[0-9a-f]{32}");
            assertThat(time.sleeps()).hasSize(2);
        }
    }

    /** Classes the gateway cannot produce yet (no limits or access rules in the spine) come from the simulator. */
    @ParameterizedTest
    @CsvSource({"403,PermissionDeniedException", "409,ConflictException", "422,UnprocessableEntityException",
            "429,RateLimitException", "401,AuthenticationException", "400,BadRequestException"})
    void eachStatusClassFromARealServer(int status, String exceptionClass) {
        FakeTime time = new FakeTime();
        try (SluiceClient c = SluiceClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY).clock(time).sleeper(time::sleep)
                .maxRetries(0).header("x-sluice-sim", "status=" + status).build()) {
            assertThatThrownBy(() -> c.chat().completions().create(chat("sim-mini")))
                    .satisfies(t -> assertThat(t.getClass().getSimpleName()).isEqualTo(exceptionClass))
                    .satisfies(t -> assertThat(((ApiStatusException) t).requestId()).startsWith("req_"))
                    .satisfies(t -> assertThat(((ApiStatusException) t).status()).isEqualTo(status));
        }
    }

    @Test
    void aRateLimitFromARealServerIsRetriedAfterItsRetryAfter() {
        FakeTime time = new FakeTime();
        try (SluiceClient c = SluiceClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY).clock(time).sleeper(time::sleep)
                .header("x-sluice-sim", "status=429;fail_times=1").build()) {
            ChatCompletion r = c.chat().completions().create(chat("sim-mini"));
            assertThat(r.choices()).isNotEmpty();
            assertThat(time.sleeps()).containsExactly(java.time.Duration.ofMillis(1000));
        }
    }
}
