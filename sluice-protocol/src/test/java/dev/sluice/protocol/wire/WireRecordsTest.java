package dev.sluice.protocol.wire;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WireRecordsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void chatCompletionReadsOpenAiAnswerAndIgnoresUnknownFields() throws Exception {
        ChatCompletion c = JSON.readValue("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"sim-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello","annotations":[]},
                             "finish_reason":"stop","logprobs":null}],
                 "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,
                          "prompt_tokens_details":{"cached_tokens":0}},
                 "service_tier":"default","system_fingerprint":"fp_1","brand_new_field":{"x":1}}
                """, ChatCompletion.class);
        assertThat(c.text()).isEqualTo("Hello");
        assertThat(c.choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(c.usage().totalTokens()).isEqualTo(6);
        assertThat(c.systemFingerprint()).isEqualTo("fp_1");
    }

    @Test
    void chunkTextIsTheContentDeltaOfTheFirstChoiceOrEmpty() throws Exception {
        ChatCompletionChunk delta = JSON.readValue("""
                {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
                 "choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}""", ChatCompletionChunk.class);
        ChatCompletionChunk usageOnly = JSON.readValue("""
                {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],
                 "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}""", ChatCompletionChunk.class);
        assertThat(delta.text()).isEqualTo("Hel");
        assertThat(usageOnly.text()).isEmpty();
        assertThat(usageOnly.usage().completionTokens()).isEqualTo(2);
    }

    @Test
    void requestsAreWrittenWithSnakeCaseNamesAndWithoutNullFields() throws Exception {
        ChatCompletionRequest r = ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.user("hi"))).withMaxTokens(5);
        JsonNode n = JSON.valueToTree(r);
        assertThat(n.toString()).isEqualTo(
                "{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":5}");
        JsonNode b = JSON.valueToTree(BatchCreateRequest.of("file-1", "/v1/chat/completions"));
        assertThat(b.toString()).isEqualTo(
                "{\"input_file_id\":\"file-1\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
    }

    @Test
    void listPageReadsModelsFilesAndBatchesGenerically() throws Exception {
        ListPage<Model> models = JSON.readValue("""
                {"object":"list","data":[{"id":"sim-mini","object":"model","created":1,"owned_by":"sluice",
                 "context_window":16384,"max_output_tokens":4096}]}""", new TypeReference<ListPage<Model>>() {});
        assertThat(models.data()).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo("sim-mini");
            assertThat(m.contextWindow()).isEqualTo(16384);
        });
        ListPage<FileObject> files = JSON.readValue("""
                {"object":"list","data":[],"has_more":false}""", new TypeReference<ListPage<FileObject>>() {});
        assertThat(files.hasMore()).isFalse();
        assertThat(files.data()).isEmpty();
    }

    @Test
    void batchReadsCountsErrorsAndKnowsTerminalStatuses() throws Exception {
        Batch b = JSON.readValue("""
                {"id":"batch_1","object":"batch","endpoint":"/v1/chat/completions","status":"failed",
                 "input_file_id":"file-1","completion_window":"24h","created_at":1,
                 "errors":{"object":"list","data":[{"code":"duplicate_custom_id","message":"dup","param":"custom_id","line":3}]},
                 "request_counts":{"total":3,"completed":0,"failed":0},"metadata":{"team":"a"}}""", Batch.class);
        assertThat(b.isTerminal()).isTrue();
        assertThat(b.errors().data().get(0).line()).isEqualTo(3);
        assertThat(b.requestCounts().total()).isEqualTo(3);
        assertThat(b.metadata()).containsEntry("team", "a");
    }

    @Test
    void batchOutputLinesCarryEitherAResponseOrAnError() throws Exception {
        BatchOutputLine ok = JSON.readValue("""
                {"id":"r1","custom_id":"a","response":{"status_code":200,"request_id":"req_1","body":{"id":"x"}},"error":null}""",
                BatchOutputLine.class);
        BatchOutputLine expired = JSON.readValue("""
                {"id":"r2","custom_id":"b","response":null,"error":{"code":"batch_expired","message":"expired"}}""",
                BatchOutputLine.class);
        assertThat(ok.response().statusCode()).isEqualTo(200);
        assertThat(ok.response().body().get("id").asText()).isEqualTo("x");
        assertThat(ok.error()).isNull();
        assertThat(expired.error().code()).isEqualTo("batch_expired");
        assertThat(JSON.writeValueAsString(expired)).contains("\"response\":null");
    }

    @Test
    void responseOutputTextJoinsTheOutputTextParts() throws Exception {
        ResponseObject r = JSON.readValue("""
                {"id":"resp_1","object":"response","created_at":1,"status":"completed","model":"m",
                 "output":[{"type":"reasoning","id":"rs_1"},
                           {"type":"message","id":"msg_1","role":"assistant","status":"completed",
                            "content":[{"type":"output_text","text":"Hello ","annotations":[]},
                                       {"type":"output_text","text":"world"}]}],
                 "usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5},"error":null}""", ResponseObject.class);
        assertThat(r.outputText()).isEqualTo("Hello world");
        assertThat(r.usage().outputTokens()).isEqualTo(2);
    }

    @Test
    void responseErrorEventReadsFlatAndNestedForms() throws Exception {
        ResponseStreamEvent e = JSON.readValue("""
                {"type":"error","code":"server_error","message":"boom","param":null,"sequence_number":7,
                 "error":{"type":"server_error","code":"server_error","message":"boom","param":null}}""",
                ResponseStreamEvent.class);
        assertThat(e.code()).isEqualTo("server_error");
        assertThat(e.sequenceNumber()).isEqualTo(7);
        assertThat(e.error().get("type").asText()).isEqualTo("server_error");
    }

    @Test
    void embeddingsReadFloatVectors() throws Exception {
        EmbeddingResponse e = JSON.readValue("""
                {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],"model":"sim-embed",
                 "usage":{"prompt_tokens":2,"total_tokens":2}}""", EmbeddingResponse.class);
        assertThat(e.data().get(0).embedding()).containsExactly(0.5f, -0.25f);
        assertThat(e.usage().promptTokens()).isEqualTo(2);
    }
}
