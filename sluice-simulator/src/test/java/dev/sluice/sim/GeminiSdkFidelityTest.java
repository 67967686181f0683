package dev.sluice.sim;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ApiException;
import com.google.genai.errors.ClientException;
import com.google.genai.errors.ServerException;
import com.google.genai.types.Content;
import com.google.genai.types.EmbedContentResponse;
import com.google.genai.types.FinishReason;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.FunctionDeclaration;
import com.google.genai.types.FunctionResponse;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.Part;
import com.google.genai.types.Schema;
import com.google.genai.types.Tool;
import com.google.genai.types.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The simulator's Gemini flavor read by Google's own SDK ({@code com.google.genai:google-genai}): answers parse, and
 * every injected error raises the SDK's documented exception with Gemini's code and status.
 */
class GeminiSdkFidelityTest {
    private static SimHarness sim;

    @BeforeAll
    static void start() {
        sim = SimHarness.start(SimulatorOptions.defaults().withTokensPerSecond(0).withEmbeddingDimensions(64));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static Client client(String directives) {
        HttpOptions.Builder http = HttpOptions.builder().baseUrl("http://127.0.0.1:" + sim.server.port())
                .apiVersion("v1beta")
                // one attempt, and no back-off pause before the SDK gives up on a retryable status
                .retryOptions(HttpRetryOptions.builder().attempts(1).initialDelay(0.0).maxDelay(0.0).build());
        if (directives != null) http.headers(Map.of("x-sluice-sim", directives));
        return Client.builder().apiKey("sim-gemini-key").httpOptions(http.build()).build();
    }

    @Test
    void generateContentParsesWithTextUsageAndFinishReason() {
        GenerateContentResponse r = client("tokens=5").models.generateContent("sim-mini", "Say hello",
                GenerateContentConfig.builder().systemInstruction(Content.fromParts(Part.fromText("Be brief")))
                        .temperature(0.2f).maxOutputTokens(100).build());

        assertThat(r.text()).isNotBlank();
        assertThat(r.text().split(" ")).hasSize(5);
        assertThat(r.finishReason().knownEnum()).isEqualTo(FinishReason.Known.STOP);
        assertThat(r.usageMetadata().orElseThrow().candidatesTokenCount()).contains(5);
        assertThat(r.usageMetadata().orElseThrow().promptTokenCount().orElseThrow()).isPositive();
    }

    @Test
    void maxOutputTokensCutsTheAnswerWithMaxTokens() {
        GenerateContentResponse r = client("tokens=20").models.generateContent("sim-mini", "Say hello",
                GenerateContentConfig.builder().maxOutputTokens(3).build());

        assertThat(r.finishReason().knownEnum()).isEqualTo(FinishReason.Known.MAX_TOKENS);
        assertThat(r.usageMetadata().orElseThrow().candidatesTokenCount()).contains(3);
    }

    @Test
    void streamedChunksAddUpToTheWholeAnswer() {
        String whole = client("tokens=7").models.generateContent("sim-mini", "Stream me", null).text();
        StringBuilder streamed = new StringBuilder();
        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (ResponseStream<GenerateContentResponse> s =
                     client("tokens=7").models.generateContentStream("sim-mini", "Stream me", null)) {
            for (GenerateContentResponse c : s) {
                chunks.add(c);
                if (c.text() != null) streamed.append(c.text());
            }
        }

        assertThat(streamed.toString()).isEqualTo(whole);
        assertThat(chunks.getLast().finishReason().knownEnum()).isEqualTo(FinishReason.Known.STOP);
        assertThat(chunks.getLast().usageMetadata().orElseThrow().candidatesTokenCount()).contains(7);
    }

    @Test
    void declaredFunctionIsCalledAndItsResultAnsweredWithText() {
        Tool tool = Tool.builder().functionDeclarations(FunctionDeclaration.builder().name("get_weather")
                .description("Weather of a city").parameters(Schema.builder().type(Type.Known.OBJECT)
                        .properties(Map.of("city", Schema.builder().type(Type.Known.STRING).build()))
                        .required("city").build()).build()).build();
        GenerateContentConfig config = GenerateContentConfig.builder().tools(tool).build();
        Client c = client(null);

        GenerateContentResponse call = c.models.generateContent("sim-mini", "Weather in Oslo?", config);
        FunctionCall fc = call.functionCalls().getFirst();
        assertThat(fc.name()).contains("get_weather");
        assertThat(fc.args().orElseThrow()).containsEntry("city", "sim");

        List<Content> turns = List.of(Content.builder().role("user").parts(Part.fromText("Weather in Oslo?")).build(),
                call.candidates().orElseThrow().getFirst().content().orElseThrow(),
                Content.builder().role("user").parts(Part.builder().functionResponse(FunctionResponse.builder()
                        .name("get_weather").response(Map.of("temp", 3)).build()).build()).build());
        GenerateContentResponse answer = c.models.generateContent("sim-mini", turns, config);
        assertThat(answer.functionCalls()).isNullOrEmpty();
        assertThat(answer.text()).isNotBlank();
    }

    @Test
    void embedContentGivesOneVectorPerText() {
        EmbedContentResponse r = client(null).models.embedContent("sim-embed", List.of("one", "two"), null);

        assertThat(r.embeddings().orElseThrow()).hasSize(2)
                .allSatisfy(e -> assertThat(e.values().orElseThrow()).hasSize(64));
    }

    @ParameterizedTest(name = "error={0}")
    @CsvSource({
            "INVALID_ARGUMENT,    400, INVALID_ARGUMENT,    client",
            "API_KEY_INVALID,     400, INVALID_ARGUMENT,    client",
            "FAILED_PRECONDITION, 400, FAILED_PRECONDITION, client",
            "LOCATION,            400, FAILED_PRECONDITION, client",
            "UNAUTHENTICATED,     401, UNAUTHENTICATED,     client",
            "PERMISSION_DENIED,   403, PERMISSION_DENIED,   client",
            "NOT_FOUND,           404, NOT_FOUND,           client",
            "RESOURCE_EXHAUSTED,  429, RESOURCE_EXHAUSTED,  client",
            "INTERNAL,            500, INTERNAL,            server",
            "UNAVAILABLE,         503, UNAVAILABLE,         server",
            "DEADLINE_EXCEEDED,   504, DEADLINE_EXCEEDED,   server"})
    void injectedErrorRaisesTheSdksOwnException(String error, int code, String status, String kind) {
        Class<? extends ApiException> type = kind.equals("client") ? ClientException.class : ServerException.class;

        assertThatThrownBy(() -> client("error=" + error).models.generateContent("sim-mini", "Hi", null))
                .isInstanceOf(type)
                .satisfies(e -> {
                    ApiException api = (ApiException) e;
                    assertThat(api.code()).isEqualTo(code);
                    assertThat(api.status()).isEqualTo(status);
                });
    }

    @Test
    void locationRefusalCarriesGooglesMessage() {
        assertThatThrownBy(() -> client("error=LOCATION").models.generateContent("sim-mini", "Hi", null))
                .isInstanceOf(ClientException.class).hasMessageContaining("User location is not supported");
    }

    @Test
    void statusDirectiveAloneGivesTheUsualRowForThatStatus() {
        long before = sim.server.requestsReceived();
        assertThatThrownBy(() -> client("status=429").models.generateContent("sim-mini", "Hi", null))
                .isInstanceOf(ClientException.class)
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo("RESOURCE_EXHAUSTED"));
        assertThat(sim.server.requestsReceived() - before).isEqualTo(1);
    }

    @Test
    void safetyBlockIsAnAnswerWithFinishReasonSafety() {
        GenerateContentResponse r = client("error=SAFETY").models.generateContent("sim-mini", "Hi", null);

        assertThat(r.finishReason().knownEnum()).isEqualTo(FinishReason.Known.SAFETY);
    }

    @Test
    void blockedPromptIsAnAnswerWithPromptFeedback() {
        GenerateContentResponse r = client("error=PROMPT_BLOCKED").models.generateContent("sim-mini", "Hi", null);

        assertThat(r.candidates()).isEmpty();
        assertThat(r.promptFeedback().orElseThrow().blockReason().orElseThrow().toString()).isEqualTo("SAFETY");
    }

    @Test
    void unknownModelIsTheSdksNotFound() {
        assertThatThrownBy(() -> client(null).models.generateContent("gemini-nope", "Hi", null))
                .isInstanceOf(ClientException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(404));
    }

    @Test
    void midStreamErrorEndsTheSdksIteration() {
        List<String> texts = new ArrayList<>();
        assertThatThrownBy(() -> {
            try (ResponseStream<GenerateContentResponse> s = client("tokens=10;stream_error_after=3;error=UNAVAILABLE")
                    .models.generateContentStream("sim-mini", "Stream me", null)) {
                for (GenerateContentResponse c : s) if (c.text() != null) texts.add(c.text());
            }
        }).isInstanceOf(ApiException.class);
        assertThat(String.join("", texts).split(" ")).hasSizeLessThanOrEqualTo(3);
    }
}
