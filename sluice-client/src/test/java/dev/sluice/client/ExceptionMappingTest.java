package dev.sluice.client;

import dev.sluice.testing.Loopback;
import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import dev.sluice.protocol.wire.ChatCompletionRequest;
import dev.sluice.protocol.wire.ChatMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@ExtendWith(NoLeakedThreads.class)
class ExceptionMappingTest {
    private static final ChatCompletionRequest HELLO = ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.user("hi")));

    enum Mode { SYNC, ASYNC }

    private ScriptedServer server;
    private SluiceClient client;

    @BeforeEach
    void start() {
        server = ScriptedServer.start();
        client = SluiceClient.builder().apiKey("sk-test").baseUrl(server.baseUrl()).maxRetries(0).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private SluiceException call(Mode mode) {
        if (mode == Mode.SYNC) return catchThrowableOfType(SluiceException.class, () -> client.chat().completions().create(HELLO));
        ExecutionException e = catchThrowableOfType(ExecutionException.class,
                () -> client.chat().completions().createAsync(HELLO).get());
        assertThat(e.getCause()).isInstanceOf(SluiceException.class);
        return (SluiceException) e.getCause();
    }

    static Stream<Arguments> statuses() {
        Object[][] rows = {
                {400, "invalid_request_error", "invalid_value", BadRequestException.class},
                {401, "invalid_request_error", "invalid_api_key", AuthenticationException.class},
                {403, "permission_error", "model_not_allowed", PermissionDeniedException.class},
                {404, "invalid_request_error", "model_not_found", NotFoundException.class},
                {405, "invalid_request_error", "method_not_allowed", ApiStatusException.class},
                {409, "invalid_request_error", "idempotency_key_reused", ConflictException.class},
                {413, "invalid_request_error", "request_too_large", ApiStatusException.class},
                {422, "invalid_request_error", "unprocessable_entity", UnprocessableEntityException.class},
                {429, "requests", "rate_limit_exceeded", RateLimitException.class},
                {500, "server_error", "internal_error", InternalServerException.class},
                {503, "server_error", "server_overloaded", InternalServerException.class},
                {504, "server_error", "upstream_timeout", InternalServerException.class},
        };
        return Stream.of(Mode.values()).flatMap(m -> Stream.of(rows).map(r -> Arguments.of(m, r[0], r[1], r[2], r[3])));
    }

    @ParameterizedTest(name = "{0}: {1} {3} → {4}")
    @MethodSource("statuses")
    void eachStatusBecomesItsExceptionClassWithFieldsAndRequestId(Mode mode, int status, String type, String code,
                                                                  Class<?> expected) {
        server.enqueue(Reply.json(status, "{\"error\":{\"message\":\"It went wrong.\",\"type\":\"" + type
                + "\",\"param\":\"model\",\"code\":\"" + code + "\"}}").header("x-should-retry", "false"));

        SluiceException e = call(mode);

        assertThat(e).isExactlyInstanceOf(expected);
        ApiStatusException s = (ApiStatusException) e;
        String requestId = server.servedRequestIds().get(0);
        assertThat(s.status()).isEqualTo(status);
        assertThat(s.type()).isEqualTo(type);
        assertThat(s.code()).isEqualTo(code);
        assertThat(s.param()).isEqualTo("model");
        assertThat(s.requestId()).isEqualTo(requestId).startsWith("req_");
        assertThat(s.headers().firstValue("x-should-retry")).contains("false");
        assertThat(s.rawBody()).contains("It went wrong.");
        assertThat(s.getMessage()).contains(String.valueOf(status)).contains(code).contains("It went wrong.")
                .contains(requestId);
    }

    @Test
    void quotaExhaustionIsARateLimitExceptionThatSaysSo() {
        server.enqueue(Reply.error(429, "insufficient_quota", "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details."));

        RateLimitException e = catchThrowableOfType(RateLimitException.class, () -> client.chat().completions().create(HELLO));

        assertThat(e.isQuotaExhausted()).isTrue();
        assertThat(e.retryAfter()).isEmpty();
    }

    @Test
    void rateLimitExceptionExposesTheServersRetryAfter() {
        server.enqueue(Reply.error(429, "requests", "rate_limit_exceeded", "Rate limit reached")
                .header("retry-after", "2").header("retry-after-ms", "1250"));

        RateLimitException e = catchThrowableOfType(RateLimitException.class, () -> client.chat().completions().create(HELLO));

        assertThat(e.isQuotaExhausted()).isFalse();
        assertThat(e.retryAfter()).contains(Duration.ofMillis(1250));
    }

    enum Malformed {
        HTML_502(502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
                InternalServerException.class),
        EMPTY_500(500, "application/json", "", InternalServerException.class),
        TRUNCATED_JSON_500(500, "application/json", "{\"error\": {\"message\": \"The server had an err", InternalServerException.class),
        DETAIL_400(400, "application/json", "{\"detail\": \"Input should be a valid list\"}", BadRequestException.class),
        DETAIL_OBJECT_422(422, "application/json", "{\"detail\": [{\"loc\": [\"body\", \"messages\"], \"msg\": \"field required\"}]}",
                UnprocessableEntityException.class),
        PLAIN_TEXT_503(503, "text/plain", "upstream connect error or disconnect/reset before headers", InternalServerException.class),
        JSON_ARRAY_401(401, "application/json", "[1,2,3]", AuthenticationException.class);

        final int status;
        final String contentType;
        final String body;
        final Class<?> expected;

        Malformed(int status, String contentType, String body, Class<?> expected) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
            this.expected = expected;
        }
    }

    @ParameterizedTest
    @EnumSource(Malformed.class)
    void malformedErrorBodiesStillYieldTheClassOfTheStatusWithoutAParseError(Malformed m) {
        server.enqueue(Reply.text(m.status, m.contentType, m.body));

        SluiceException e = call(Mode.SYNC);

        assertThat(e).isExactlyInstanceOf(m.expected);
        ApiStatusException s = (ApiStatusException) e;
        assertThat(s.status()).isEqualTo(m.status);
        assertThat(s.rawBody()).isEqualTo(m.body);
        assertThat(s.requestId()).isEqualTo(server.servedRequestIds().get(0));
        assertThat(s.getMessage()).startsWith(String.valueOf(m.status)).contains(s.requestId());
        assertThat(e.getCause()).isNull();
    }

    @Test
    void detailBodiesKeepTheirMessage() {
        server.enqueue(Reply.json(400, "{\"detail\": \"Input should be a valid list\"}"));

        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client.chat().completions().create(HELLO));

        assertThat(e.error()).hasValueSatisfying(err -> assertThat(err.message()).isEqualTo("Input should be a valid list"));
    }

    @Test
    void aRefusedConnectionIsAnApiConnectionExceptionWithoutRequestId() {
        try (SluiceClient refused = SluiceClient.builder().baseUrl(Loopback.refusedUrl()).maxRetries(0).build()) {
            ApiConnectionException e = catchThrowableOfType(ApiConnectionException.class,
                    () -> refused.models().list());
            assertThat(e).isNotInstanceOf(ApiTimeoutException.class);
            assertThat(e.requestId()).isNull();
            assertThat(e.getMessage()).contains("GET").contains("/models");
        }
    }

    @Test
    void aServerThatDoesNotAnswerInTimeIsAnApiTimeoutException() {
        ScriptedServer silent = ScriptedServer.start();
        silent.route(r -> {
            try {
                new java.util.concurrent.CountDownLatch(1).await(); // never answers until the server stops
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.json(200, "{}");
        });
        try (silent; SluiceClient c = SluiceClient.builder().baseUrl(silent.baseUrl()).maxRetries(0)
                .timeout(Duration.ofMillis(300)).build()) {
            ApiTimeoutException e = catchThrowableOfType(ApiTimeoutException.class, () -> c.models().retrieve("sim-mini"));
            assertThat(e.getMessage()).contains("timed out after 300 ms");
        }
    }

    @Test
    void aSuccessBodyThatIsNotTheExpectedObjectIsReportedWithItsStatusAndRequestId() {
        server.enqueue(Reply.text(200, "text/html", "<html>captive portal</html>"));

        ApiStatusException e = catchThrowableOfType(ApiStatusException.class, () -> client.chat().completions().create(HELLO));

        assertThat(e.status()).isEqualTo(200);
        assertThat(e.rawBody()).contains("captive portal");
        assertThat(e.getMessage()).contains("not a valid ChatCompletion").contains(server.servedRequestIds().get(0));
    }
}
