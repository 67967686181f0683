package dev.sluice.sim.fidelity;

import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulator's Azure OpenAI flavor as the OpenAI Java SDK's Azure mode sees it (deployment paths,
 * {@code api-version}, {@code api-key}): answers, streams and embeddings parse, and each injected Azure error is the
 * SDK's own exception with Azure's string code.
 */
class AzureSdkFidelityTest {
    private static Vertx vertx;
    private static SimulatorServer sim;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + sim.port())
                .credential(AzureApiKeyCredential.create("azure-sim-key"))
                .azureServiceVersion(AzureOpenAIServiceVersion.fromString("2024-10-21"))
                .azureUrlPathMode(AzureUrlPathMode.LEGACY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("sim-mini").addUserMessage("Say something.");
    }

    @Test
    void theSdkParsesAChatAnswerAndSeesAzuresRequestId() {
        var raw = client.chat().completions().withRawResponse().create(chat()
                .putAdditionalHeader("x-sluice-sim", "tokens=5").build());
        ChatCompletion c = raw.parse();
        assertThat(c.choices().getFirst().message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);
        assertThat(raw.headers().values("apim-request-id")).hasSize(1);
    }

    @Test
    void theSdkParsesAStream() {
        AtomicInteger content = new AtomicInteger();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions()
                .createStreaming(chat().putAdditionalHeader("x-sluice-sim", "tokens=4").build())) {
            s.stream().forEach(ch -> ch.choices().forEach(x -> x.delta().content().ifPresent(t -> {
                if (!t.isEmpty()) content.incrementAndGet();
            })));
        }
        assertThat(content.get()).isEqualTo(4);
    }

    @Test
    void theSdkParsesEmbeddings() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model("sim-embed")
                .input("hello").build());
        assertThat(r.data().getFirst().embedding()).isNotEmpty();
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("status=400", BadRequestException.class, 400, "invalid_value"),
                Arguments.of("error=content_filter", BadRequestException.class, 400, "content_filter"),
                Arguments.of("status=401", UnauthorizedException.class, 401, "401"),
                Arguments.of("status=403", PermissionDeniedException.class, 403, "403"),
                Arguments.of("status=404", NotFoundException.class, 404, "DeploymentNotFound"),
                Arguments.of("status=429", RateLimitException.class, 429, "429"),
                Arguments.of("status=500", InternalServerException.class, 500, "InternalServerError"),
                Arguments.of("status=503", InternalServerException.class, 503, "ServiceUnavailable"),
                Arguments.of("status=504", InternalServerException.class, 504, "Timeout"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("errors")
    void eachInjectedErrorIsTheSdksOwnExceptionWithAzuresCode(String directive,
                                                              Class<? extends OpenAIServiceException> type,
                                                              int status, String code) {
        assertThatThrownBy(() -> client.chat().completions().create(chat()
                .putAdditionalHeader("x-sluice-sim", directive).build()))
                .isInstanceOf(type)
                .satisfies(e -> {
                    OpenAIServiceException se = (OpenAIServiceException) e;
                    assertThat(se.statusCode()).isEqualTo(status);
                    assertThat(se.code()).contains(code);
                    assertThat(se.headers().values("apim-request-id")).hasSize(1);
                });
    }

    @Test
    void anUnknownDeploymentIsAzuresDeploymentNotFound() {
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("no-such-deployment").addUserMessage("x").build()))
                .isInstanceOf(NotFoundException.class)
                .satisfies(e -> assertThat(((NotFoundException) e).code()).contains("DeploymentNotFound"));
    }
}
