package dev.sluice.sim.fidelity;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ConflictException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.GatewayTimeoutException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.PaymentRequiredException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulator's Anthropic flavor as Anthropic's own Java SDK sees it: the SDK parses its answers and streams, and
 * raises its own documented exception for each injected error. If the simulator's wire format drifted from
 * Anthropic's, these fail — so the gateway's Anthropic adapter is tested against a format the real client accepts.
 */
class AnthropicSdkFidelityTest {
    private static Vertx vertx;
    private static SimulatorServer sim;
    private static AnthropicClient client;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = AnthropicOkHttpClient.builder().apiKey("sk-ant-sim").maxRetries(0)
                .baseUrl("http://127.0.0.1:" + sim.port()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static MessageCreateParams.Builder params() {
        return MessageCreateParams.builder().model("sim-mini").maxTokens(64).system("Be brief.")
                .addUserMessage("Say something.");
    }

    @Test
    void theSdkParsesAWholeAnswerWithUsage() {
        Message m = client.messages().create(params().putAdditionalHeader("x-sluice-sim", "tokens=5").build());
        assertThat(m.id()).startsWith("msg_");
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.content()).hasSize(1);
        assertThat(m.content().getFirst().text().orElseThrow().text()).isNotBlank();
        assertThat(m.usage().outputTokens()).isEqualTo(5);
        assertThat(m.usage().inputTokens()).isPositive();
    }

    @Test
    void theSdkParsesAStreamEventByEvent() {
        List<String> text = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> s = client.messages()
                .createStreaming(params().putAdditionalHeader("x-sluice-sim", "tokens=4").build())) {
            s.stream().forEach(ev -> {
                if (ev.isMessageStart()) kinds.add("message_start");
                if (ev.isContentBlockDelta()) {
                    kinds.add("delta");
                    ev.asContentBlockDelta().delta().text().ifPresent(t -> text.add(t.text()));
                }
                if (ev.isMessageDelta()) {
                    kinds.add("message_delta");
                    assertThat(ev.asMessageDelta().usage().outputTokens()).isEqualTo(4);
                }
                if (ev.isMessageStop()) kinds.add("message_stop");
            });
        }
        assertThat(text).hasSize(4);
        assertThat(kinds.getFirst()).isEqualTo("message_start");
        assertThat(kinds.getLast()).isEqualTo("message_stop");
    }

    @Test
    void theSdkParsesAToolUseAnswer() {
        Message m = client.messages().create(params().addTool(Tool.builder().name("lookup")
                .inputSchema(Tool.InputSchema.builder().build()).build()).build());
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
        ContentBlock block = m.content().getFirst();
        assertThat(block.toolUse().orElseThrow().name()).isEqualTo("lookup");
        assertThat(block.toolUse().orElseThrow().id()).startsWith("toolu_");
    }

    @Test
    void aMidStreamErrorEventIsRaisedByTheSdk() {
        assertThatThrownBy(() -> {
            try (StreamResponse<RawMessageStreamEvent> s = client.messages()
                    .createStreaming(params().putAdditionalHeader("x-sluice-sim", "stream_error_after=2").build())) {
                s.stream().forEach(ev -> { });
            }
        }).isInstanceOf(SseException.class).hasMessageContaining("Overloaded");
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("status=400", BadRequestException.class, 400, "invalid_request_error"),
                Arguments.of("error=prompt_too_long", BadRequestException.class, 400, "invalid_request_error"),
                Arguments.of("status=401", UnauthorizedException.class, 401, "authentication_error"),
                Arguments.of("status=402", PaymentRequiredException.class, 402, "billing_error"),
                Arguments.of("status=403", PermissionDeniedException.class, 403, "permission_error"),
                Arguments.of("status=404", NotFoundException.class, 404, "not_found_error"),
                Arguments.of("status=409", ConflictException.class, 409, "conflict_error"),
                Arguments.of("status=413", ContentTooLargeException.class, 413, "request_too_large"),
                Arguments.of("status=429", RateLimitException.class, 429, "rate_limit_error"),
                Arguments.of("error=spend_limit", RateLimitException.class, 429, "rate_limit_error"),
                Arguments.of("status=500", InternalServerException.class, 500, "api_error"),
                Arguments.of("status=504", GatewayTimeoutException.class, 504, "timeout_error"),
                Arguments.of("status=529", OverloadedException.class, 529, "overloaded_error"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("errors")
    void eachInjectedErrorIsTheSdksOwnException(String directive, Class<? extends AnthropicServiceException> type,
                                                int status, String errorType) {
        assertThatThrownBy(() -> client.messages().create(params().putAdditionalHeader("x-sluice-sim", directive)
                .build()))
                .isInstanceOf(type)
                .satisfies(e -> {
                    AnthropicServiceException se = (AnthropicServiceException) e;
                    assertThat(se.statusCode()).isEqualTo(status);
                    assertThat(se.headers().values("request-id")).singleElement().asString().startsWith("req_");
                    assertThat(se.body().toString()).contains(errorType);
                });
    }

    @Test
    void aRequestWithoutCredentialIsTheSdksUnauthorized() throws Exception {
        AnthropicClient anonymous = AnthropicOkHttpClient.builder().apiKey(" ").maxRetries(0)
                .baseUrl("http://127.0.0.1:" + sim.port()).build();
        try {
            assertThatThrownBy(() -> anonymous.messages().create(params().build()))
                    .isInstanceOf(UnauthorizedException.class).hasMessageContaining("x-api-key");
        } finally {
            anonymous.close();
        }
    }

    @Test
    void anUnknownErrorNameIsA400NamingTheDirective() {
        assertThatThrownBy(() -> client.messages().create(params().putAdditionalHeader("x-sluice-sim",
                "error=teapot_error").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("teapot_error")
                .hasMessageContaining("overloaded_error");
    }

    @Test
    void aPromptLongerThanTheModelIsAnthropicsPromptIsTooLong() {
        String longText = "word ".repeat(17_000);
        assertThatThrownBy(() -> client.messages().create(MessageCreateParams.builder().model("sim-mini")
                .maxTokens(10).addUserMessage(longText).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("prompt is too long");
    }
}
