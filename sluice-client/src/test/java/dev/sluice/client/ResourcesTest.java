package dev.sluice.client;

import dev.sluice.testing.Loopback;
import dev.sluice.testing.ScriptedServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.ScriptedServer.Reply;
import dev.sluice.protocol.wire.Batch;
import dev.sluice.protocol.wire.BatchCreateRequest;
import dev.sluice.protocol.wire.ChatCompletionRequest;
import dev.sluice.protocol.wire.ChatMessage;
import dev.sluice.protocol.wire.EmbeddingRequest;
import dev.sluice.protocol.wire.FileObject;
import dev.sluice.protocol.wire.ResponseRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(NoLeakedThreads.class)
class ResourcesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE = "{\"id\":\"file-1\",\"object\":\"file\",\"bytes\":12,\"created_at\":1,\"filename\":\"in.jsonl\",\"purpose\":\"batch\",\"status\":\"processed\"}";
    static final String BATCH = "{\"id\":\"batch_1\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\",\"input_file_id\":\"file-1\",\"completion_window\":\"24h\",\"status\":\"validating\",\"created_at\":1,\"request_counts\":{\"total\":0,\"completed\":0,\"failed\":0}}";

    private ScriptedServer server;
    private SluiceClient client;

    @BeforeEach
    void start() {
        server = ScriptedServer.start();
        client = SluiceClient.builder().apiKey("sk-test-1234567890").baseUrl(server.baseUrl()).organization("org-1")
                .project("proj_1").header("x-team", "search").build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void chatCreateSendsTheContractHeadersAndTheRequestAsJson() throws Exception {
        server.enqueue(Reply.json(200, RetryTest.OK));

        var c = client.chat().completions().create(
                ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.system("Be brief."), ChatMessage.user("hi"))).withMaxTokens(8));

        assertThat(c.text()).isEqualTo("Hello!");
        assertThat(c.usage().totalTokens()).isEqualTo(3);
        ScriptedServer.Recorded r = server.requests().get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.header("authorization")).isEqualTo("Bearer sk-test-1234567890");
        assertThat(r.header("openai-organization")).isEqualTo("org-1");
        assertThat(r.header("openai-project")).isEqualTo("proj_1");
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("x-team")).isEqualTo("search");
        assertThat(r.header("user-agent")).startsWith("sluice-client/");
        assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree("""
                {"model":"sim-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}],"max_tokens":8}"""));
    }

    static Stream<Object> bodies() throws Exception {
        return Stream.of(
                ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.user("hi"))),
                Map.of("model", "sim-mini", "messages", List.of(Map.of("role", "user", "content", "hi"))),
                JSON.readTree("{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                "{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void anyJsonObjectCanBeTheRequest(Object body) throws Exception {
        server.enqueue(Reply.json(200, RetryTest.OK));

        client.chat().completions().create(body);

        assertThat(JSON.readTree(server.requests().get(0).body()).get("messages").get(0).get("content").asText())
                .isEqualTo("hi");
    }

    @Test
    void aRequestThatIsNotAJsonObjectIsRejectedBeforeSending() {
        assertThatThrownBy(() -> client.chat().completions().create(List.of(1, 2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.chat().completions().create("{not json")).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void asyncCreateCompletesWithTheCompletion() throws Exception {
        server.enqueue(Reply.json(200, RetryTest.OK));
        assertThat(client.chat().completions().createAsync(RetryTest.HELLO).get().text()).isEqualTo("Hello!");
    }

    @Test
    void perCallHeadersAreSentAndOverrideTheClients() {
        server.enqueue(Reply.json(200, RetryTest.OK));

        client.chat().completions().create(RetryTest.HELLO,
                RequestOptions.defaults().header("x-team", "ads").header("x-sluice-sim", "tokens=3"));

        assertThat(server.requests().get(0).header("x-team")).isEqualTo("ads");
        assertThat(server.requests().get(0).header("x-sluice-sim")).isEqualTo("tokens=3");
    }

    @Test
    void responsesCreateReturnsTheOutputText() {
        server.enqueue(Reply.json(200, """
                {"id":"resp_1","object":"response","created_at":1,"status":"completed","model":"sim-mini",
                 "output":[{"type":"message","id":"m","role":"assistant","content":[{"type":"output_text","text":"Hi there"}]}],
                 "usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}"""));

        assertThat(client.responses().create(ResponseRequest.of("sim-mini", "hi")).outputText()).isEqualTo("Hi there");
        assertThat(server.requests().get(0).path()).isEqualTo("/v1/responses");
    }

    @Test
    void embeddingsReturnVectors() {
        server.enqueue(Reply.json(200, """
                {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25,0.5]}],"model":"sim-embed",
                 "usage":{"prompt_tokens":1,"total_tokens":1}}"""));

        var e = client.embeddings().create(EmbeddingRequest.of("sim-embed", List.of("hello")));

        assertThat(e.data().get(0).embedding()).containsExactly(0.25f, 0.5f);
        assertThat(server.requests().get(0).path()).isEqualTo("/v1/embeddings");
    }

    @Test
    void modelsAreListedAndRetrievedWithEncodedIds() {
        server.enqueue(Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"sim-mini\",\"object\":\"model\",\"created\":1,\"owned_by\":\"sluice\",\"context_window\":16384}]}"),
                Reply.json(200, "{\"id\":\"ft:sim-mini:org/x\",\"object\":\"model\",\"created\":1,\"owned_by\":\"org-1\"}"));

        assertThat(client.models().list().data()).extracting(m -> m.contextWindow()).containsExactly(16384);
        assertThat(client.models().retrieve("ft:sim-mini:org/x").ownedBy()).isEqualTo("org-1");
        assertThat(server.requests()).extracting(ScriptedServer.Recorded::method).containsOnly("GET");
        assertThat(server.requests().get(1).path()).isEqualTo("/v1/models/ft:sim-mini:org/x"); // decoded by the server
    }

    @Test
    void filesAreUploadedAsMultipartWithTheirPurpose(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("in.jsonl");
        java.nio.file.Files.writeString(file, "{\"custom_id\":\"a\"}\n");
        server.enqueue(Reply.json(200, FILE));

        FileObject f = client.files().upload(file, "batch");

        assertThat(f.id()).isEqualTo("file-1");
        ScriptedServer.Recorded r = server.requests().get(0);
        assertThat(r.path()).isEqualTo("/v1/files");
        assertThat(r.header("content-type")).startsWith("multipart/form-data; boundary=");
        assertThat(r.header("idempotency-key")).isNotBlank();
        Map<String, String> parts = Multiparts.parse(r.header("content-type"), r.body());
        assertThat(parts).containsEntry("purpose", "batch").containsEntry("file", "{\"custom_id\":\"a\"}\n");
        assertThat(r.bodyText()).contains("filename=\"in.jsonl\"");
    }

    @Test
    void filesAreRetrievedListedDeletedAndRead() {
        server.enqueue(Reply.json(200, FILE), Reply.json(200, "{\"object\":\"list\",\"data\":[" + FILE + "],\"has_more\":false}"),
                Reply.json(200, "{\"id\":\"file-1\",\"object\":\"file\",\"deleted\":true}"),
                Reply.text(200, "application/octet-stream", "line1\nline2\n"));

        assertThat(client.files().retrieve("file-1").purpose()).isEqualTo("batch");
        assertThat(client.files().list().data()).hasSize(1);
        assertThat(client.files().delete("file-1").deleted()).isTrue();
        assertThat(new String(client.files().content("file-1"), StandardCharsets.UTF_8)).isEqualTo("line1\nline2\n");
        assertThat(server.requests()).extracting(r -> r.method() + " " + r.path()).containsExactly(
                "GET /v1/files/file-1", "GET /v1/files", "DELETE /v1/files/file-1", "GET /v1/files/file-1/content");
    }

    @Test
    void batchesAreCreatedRetrievedListedAndCancelled() throws Exception {
        server.enqueue(Reply.json(200, BATCH), Reply.json(200, BATCH),
                Reply.json(200, "{\"object\":\"list\",\"data\":[" + BATCH + "],\"has_more\":false}"),
                Reply.json(200, BATCH.replace("validating", "cancelling")));

        Batch b = client.batches().create(BatchCreateRequest.of("file-1", "/v1/chat/completions"));
        client.batches().retrieve(b.id());
        assertThat(client.batches().list().data()).hasSize(1);
        assertThat(client.batches().cancel(b.id()).status()).isEqualTo("cancelling");

        assertThat(server.requests()).extracting(r -> r.method() + " " + r.path()).containsExactly(
                "POST /v1/batches", "GET /v1/batches/batch_1", "GET /v1/batches", "POST /v1/batches/batch_1/cancel");
        JsonNode body = JSON.readTree(server.requests().get(0).body());
        assertThat(body.get("input_file_id").asText()).isEqualTo("file-1");
        assertThat(body.get("completion_window").asText()).isEqualTo("24h");
    }

    @Test
    void sluiceEnvironmentVariablesWinOverOpenAiOnes() {
        server.enqueue(Reply.json(200, "{\"object\":\"list\",\"data\":[]}"));
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-openai", "SLUICE_API_KEY", "sk-sluice",
                "OPENAI_BASE_URL", Loopback.refusedUrl(), "SLUICE_BASE_URL", server.baseUrl(),
                "OPENAI_ORG_ID", "org-env", "OPENAI_PROJECT_ID", "proj_env");

        try (SluiceClient c = SluiceClient.builder().env(env).maxRetries(0).build()) {
            c.models().list();
            assertThat(c.baseUrl().toString()).isEqualTo(server.baseUrl());
        }
        ScriptedServer.Recorded r = server.requests().get(0);
        assertThat(r.header("authorization")).isEqualTo("Bearer sk-sluice");
        assertThat(r.header("openai-organization")).isEqualTo("org-env");
        assertThat(r.header("openai-project")).isEqualTo("proj_env");
    }

    @Test
    void openAiEnvironmentVariablesAreUsedWhenNoSluiceOnesAreSet() {
        try (SluiceClient c = SluiceClient.builder().env(Map.of("OPENAI_API_KEY", "sk-openai")).build()) {
            assertThat(c.baseUrl().toString()).isEqualTo("https://api.openai.com/v1");
        }
    }
}
