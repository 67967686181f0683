package dev.sluice.sim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulator's Bedrock flavor read by the AWS SDK ({@code bedrockruntime}): SigV4-signed Converse and
 * ConverseStream answers parse (the eventstream frames pass the SDK's own CRC checks), and every injected error raises
 * the SDK's modelled exception, also as an exception frame in the middle of a stream.
 */
class BedrockSdkFidelityTest {
    private static SimHarness sim;
    private static BedrockRuntimeClient sync;
    private static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() {
        sim = SimHarness.start(SimulatorOptions.defaults().withTokensPerSecond(0));
        URI endpoint = URI.create("http://127.0.0.1:" + sim.server.port());
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDSIMULATOR", "sim-secret-access-key"));
        sync = BedrockRuntimeClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(creds)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        // the SDK's default for Bedrock is HTTP/2 with prior knowledge; the simulator (like the gateway) is HTTP/1.1
        async = BedrockRuntimeAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(creds)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
    }

    @AfterAll
    static void stop() {
        sync.close();
        async.close();
        sim.close();
    }

    private static ConverseRequest.Builder ask(String modelId, String directives, String text) {
        ConverseRequest.Builder b = ConverseRequest.builder().modelId(modelId)
                .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build());
        if (directives != null) {
            b.overrideConfiguration(o -> o.putHeader("x-sluice-sim", directives));
        }
        return b;
    }

    @Test
    void converseParsesWithTextStopReasonAndUsage() {
        ConverseResponse r = sync.converse(ask("sim-mini", "tokens=6", "Say hello")
                .inferenceConfig(c -> c.maxTokens(100).temperature(0.5f).topP(0.9f)).build());

        assertThat(r.output().message().content().getFirst().text().split(" ")).hasSize(6);
        assertThat(r.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(r.usage().outputTokens()).isEqualTo(6);
        assertThat(r.usage().inputTokens()).isPositive();
        assertThat(r.responseMetadata().requestId()).isNotBlank();
    }

    @Test
    void maxTokensCutsTheAnswer() {
        ConverseResponse r = sync.converse(ask("sim-mini", "tokens=20", "Say hello")
                .inferenceConfig(c -> c.maxTokens(4)).build());

        assertThat(r.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
        assertThat(r.usage().outputTokens()).isEqualTo(4);
    }

    @Test
    void declaredToolIsUsedAndItsResultAnsweredWithText() {
        ToolConfiguration tools = ToolConfiguration.builder().tools(Tool.builder().toolSpec(ToolSpecification.builder()
                .name("get_weather").description("Weather of a city").inputSchema(ToolInputSchema.fromJson(
                        Document.fromMap(Map.of("type", Document.fromString("object"),
                                "properties", Document.fromMap(Map.of("city", Document.fromMap(
                                        Map.of("type", Document.fromString("string"))))),
                                "required", Document.fromList(List.of(Document.fromString("city")))))))
                .build()).build()).build();
        ConverseResponse call = sync.converse(ask("sim-mini", null, "Weather in Oslo?").toolConfig(tools).build());
        ToolUseBlock use = call.output().message().content().getFirst().toolUse();
        assertThat(call.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use.input().asMap().get("city").asString()).isEqualTo("sim");

        ConverseResponse answer = sync.converse(ConverseRequest.builder().modelId("sim-mini").toolConfig(tools)
                .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText("Weather in Oslo?"))
                                .build(), call.output().message(),
                        Message.builder().role(ConversationRole.USER).content(ContentBlock.fromToolResult(
                                ToolResultBlock.builder().toolUseId(use.toolUseId()).content(
                                        ToolResultContentBlock.fromText("3 degrees")).build())).build())
                .build());
        assertThat(answer.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(answer.output().message().content().getFirst().text()).isNotBlank();
    }

    /** Collects a ConverseStream: text deltas, stop reason, usage, and how it ended. */
    private record Streamed(List<String> deltas, String stopReason, Integer outputTokens, Throwable failure) {}

    private static Streamed stream(String directives) throws Exception {
        List<String> deltas = new ArrayList<>();
        AtomicReference<String> stop = new AtomicReference<>();
        AtomicReference<Integer> out = new AtomicReference<>();
        ConverseStreamRequest.Builder req = ConverseStreamRequest.builder().modelId("sim-mini")
                .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText("Stream me"))
                        .build());
        if (directives != null) req.overrideConfiguration(o -> o.putHeader("x-sluice-sim", directives));
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onContentBlockDelta(e -> deltas.add(e.delta().text()))
                        .onMessageStop(e -> stop.set(e.stopReasonAsString()))
                        .onMetadata(e -> out.set(e.usage().outputTokens()))
                        .build())
                .build();
        Throwable failure = null;
        try {
            async.converseStream(req.build(), handler).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            failure = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
        }
        return new Streamed(deltas, stop.get(), out.get(), failure);
    }

    @Test
    void converseStreamFramesPassTheSdksDecoderAndAddUpToTheWholeAnswer() throws Exception {
        String whole = sync.converse(ask("sim-mini", "tokens=9", "Stream me").build())
                .output().message().content().getFirst().text();

        Streamed s = stream("tokens=9");

        assertThat(s.failure()).isNull();
        assertThat(String.join("", s.deltas())).isEqualTo(whole);
        assertThat(s.stopReason()).isEqualTo("end_turn");
        assertThat(s.outputTokens()).isEqualTo(9);
    }

    @ParameterizedTest(name = "{0} after 2 deltas")
    @CsvSource({"ThrottlingException", "InternalServerException", "ServiceUnavailableException",
            "ValidationException", "ModelStreamErrorException"})
    void exceptionFrameMidStreamRaisesTheSdksModelledException(String error) throws Exception {
        Streamed s = stream("tokens=8;stream_error_after=2;error=" + error);

        assertThat(s.deltas()).hasSize(2);
        assertThat(s.stopReason()).isNull();
        assertThat(s.failure()).isNotNull();
        assertThat(s.failure().getClass().getSimpleName()).isEqualTo(error);
    }

    @ParameterizedTest(name = "error={0}")
    @CsvSource({
            "ValidationException,           400, ValidationException",
            "InputTooLong,                  400, ValidationException",
            "AccessDeniedException,         403, AccessDeniedException",
            "ResourceNotFoundException,     404, ResourceNotFoundException",
            "ThrottlingException,           429, ThrottlingException",
            "ServiceQuotaExceededException, 400, ServiceQuotaExceededException",
            "ModelTimeoutException,         408, ModelTimeoutException",
            "ModelNotReadyException,        429, ModelNotReadyException",
            "ModelErrorException,           424, ModelErrorException",
            "ServiceUnavailableException,   503, ServiceUnavailableException",
            "InternalServerException,       500, InternalServerException",
            "UnrecognizedClientException,   403, BedrockRuntimeException"})
    void injectedErrorRaisesTheSdksModelledException(String error, int status, String exception) {
        assertThatThrownBy(() -> sync.converse(ask("sim-mini", "error=" + error, "Hi").build()))
                .isInstanceOf(AwsServiceException.class)
                .satisfies(e -> {
                    AwsServiceException a = (AwsServiceException) e;
                    assertThat(a.getClass().getSimpleName()).isEqualTo(exception);
                    assertThat(a.statusCode()).isEqualTo(status);
                    assertThat(a.awsErrorDetails().errorCode()).isEqualTo(error.equals("InputTooLong")
                            ? "ValidationException" : error);
                    assertThat(a.requestId()).isNotBlank();
                });
    }

    @Test
    void inputTooLongCarriesBedrocksMessage() {
        assertThatThrownBy(() -> sync.converse(ask("sim-mini", "error=InputTooLong", "Hi").build()))
                .hasMessageContaining("Input is too long for requested model.");
    }

    @Test
    void statusDirectiveAloneGivesTheUsualRowForThatStatus() {
        assertThatThrownBy(() -> sync.converse(ask("sim-mini", "status=429", "Hi").build()))
                .isInstanceOf(software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException.class);
    }

    @Test
    void unknownModelIsAValidationException() {
        assertThatThrownBy(() -> sync.converse(ask("anthropic.claude-v9:0", null, "Hi").build()))
                .isInstanceOf(software.amazon.awssdk.services.bedrockruntime.model.ValidationException.class)
                .hasMessageContaining("model identifier is invalid");
    }

    @Test
    void unsignedRequestIsRefused() {
        var raw = sim.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sim.server.port()
                        + "/model/sim-mini/converse")).header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}")).build());
        assertThat(raw.statusCode()).isEqualTo(403);
        assertThat(raw.headers().firstValue("x-amzn-ErrorType").orElseThrow())
                .startsWith("MissingAuthenticationTokenException");
    }
}
