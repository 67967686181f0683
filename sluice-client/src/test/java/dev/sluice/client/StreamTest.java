package dev.sluice.client;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.FakeTime;
import dev.sluice.testing.ScriptedServer.Reply;
import dev.sluice.protocol.NextAction;
import dev.sluice.protocol.wire.ChatCompletionChunk;
import dev.sluice.protocol.wire.ChatCompletionRequest;
import dev.sluice.protocol.wire.ChatMessage;
import dev.sluice.protocol.wire.ResponseRequest;
import dev.sluice.protocol.wire.ResponseStreamEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

@ExtendWith(NoLeakedThreads.class)
class StreamTest {
    static final ChatCompletionRequest HELLO = ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.user("hi")));
    static final ResponseRequest RESP = ResponseRequest.of("sim-mini", "hi");

    private ScriptedServer server;
    private FakeTime time;
    private SluiceClient client;

    @BeforeEach
    void start() {
        server = ScriptedServer.start();
        time = new FakeTime();
        client = SluiceClient.builder().apiKey("sk-test").baseUrl(server.baseUrl()).clock(time).sleeper(time::sleep).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    static String chunk(String content) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"sim-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":null}]}\n\n";
    }

    static String responseEvent(String type, String json) {
        return "event: " + type + "\ndata: " + json + "\n\n";
    }

    static String delta(int seq, String text) {
        return responseEvent("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"sequence_number\":"
                + seq + ",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"" + text + "\"}");
    }

    static final String COMPLETED = responseEvent("response.completed", """
            {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","object":"response","created_at":1,\
            "status":"completed","model":"sim-mini","output":[{"type":"message","id":"msg_1","role":"assistant",\
            "content":[{"type":"output_text","text":"Hello world"}]}],"usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}}""");

    @Test
    void aChatStreamThatEndsWithDoneIsCompleted() {
        server.enqueue(Reply.sse(": comment\n\n", "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"sim-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
                chunk("Hel"), chunk("lo"), "data: [DONE]\n\n"));

        try (EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO)) {
            List<String> parts = s.stream().map(ChatCompletionChunk::text).toList();

            assertThat(parts).containsExactly("", "Hel", "lo");
            assertThat(s.state()).isEqualTo(StreamState.COMPLETED);
            assertThat(s.text()).isEqualTo("Hello");
            assertThat(s.requestId()).isEqualTo(server.servedRequestIds().get(0));
        }
        ScriptedServer.Recorded req = server.requests().get(0);
        assertThat(req.header("accept")).isEqualTo("text/event-stream");
        assertThat(req.bodyText()).contains("\"stream\":true");
    }

    /** Sluice sends the {@code event: error} form (issue 11); other OpenAI-compatible servers the bare data line. */
    @ParameterizedTest
    @ValueSource(strings = {"event: error\n", ""})
    void aChatErrorEventMidStreamRaisesStreamExceptionWithThePartialText(String eventLine) {
        server.enqueue(Reply.sse(chunk("The answer "), chunk("is "),
                eventLine + "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
                        + "\"type\":\"server_error\",\"param\":null,\"code\":\"internal_error\"}}\n\n"));

        try (EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO)) {
            List<String> seen = new ArrayList<>();
            StreamException e = catchThrowableOfType(StreamException.class, () -> s.forEachRemaining(c -> seen.add(c.text())));

            assertThat(seen).containsExactly("The answer ", "is ");
            assertThat(e.partialText()).isEqualTo("The answer is ");
            assertThat(e.code()).isEqualTo("internal_error");
            assertThat(e.type()).isEqualTo("server_error");
            assertThat(e.isTruncated()).isFalse();
            assertThat(e.requestId()).isEqualTo(server.servedRequestIds().get(0));
            assertThat(e.getMessage()).contains("internal_error").contains(e.requestId());
            assertThat(s.state()).isEqualTo(StreamState.FAILED);
            assertThat(s.failure()).contains(e);
            assertThatThrownBy(s::hasNext).isSameAs(e);
            assertThat(ErrorClassifier.classify(e)).isEqualTo(NextAction.RETRY_LATER);
        }
    }

    @Test
    void aChatStreamThatEndsWithoutDoneIsFailed() {
        server.enqueue(Reply.sse(chunk("cut "), chunk("off")));

        try (EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO)) {
            StreamException e = catchThrowableOfType(StreamException.class, () -> s.forEachRemaining(c -> { }));

            assertThat(e.isTruncated()).isTrue();
            assertThat(e.partialText()).isEqualTo("cut off");
            assertThat(e.apiMessage()).contains("[DONE]");
            assertThat(s.state()).isEqualTo(StreamState.FAILED);
        }
    }

    @Test
    void cancellingAStreamClosesTheConnectionAndEndsCancelled() throws Exception {
        server.enqueue(Reply.sse(chunk("one "), chunk("two ")).thenHold());

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO)) {
                assertThat(s.next().text()).isEqualTo("one ");
                assertThat(s.next().text()).isEqualTo("two ");

                CompletableFuture.runAsync(s::cancel); // while this thread may be blocked waiting for the third chunk
                assertThat(s.hasNext()).isFalse();

                assertThat(s.state()).isEqualTo(StreamState.CANCELLED);
                assertThat(s.failure()).isEmpty();
                assertThat(s.text()).isEqualTo("one two ");
            }
            server.release();
            assertThat(server.clientGone().get(15, TimeUnit.SECONDS)).as("server saw the client go away").isTrue();
        });
    }

    @Test
    void closingAStreamBeforeItsEndCancelsIt() {
        server.enqueue(Reply.sse(chunk("one "), chunk("two "), "data: [DONE]\n\n"));

        EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO);
        s.next();
        s.close();

        assertThat(s.state()).isEqualTo(StreamState.CANCELLED);
        assertThat(s.hasNext()).isFalse();
        s.close(); // idempotent
    }

    @Test
    void anErrorBeforeTheFirstByteIsAnOrdinaryExceptionAndIsRetried() {
        server.enqueue(RetryTest.RATE_LIMITED, Reply.sse(chunk("ok"), "data: [DONE]\n\n"));

        try (EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO)) {
            assertThat(s.stream().map(ChatCompletionChunk::text)).containsExactly("ok");
        }
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(1250));
        assertThat(server.requests()).extracting(r -> r.header("x-retry-count")).containsExactly("0", "1");
    }

    @Test
    void aStreamFailureIsNeverRetried() {
        server.enqueue(Reply.sse(chunk("partial")), Reply.sse(chunk("again"), "data: [DONE]\n\n"));

        try (EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO)) {
            catchThrowableOfType(StreamException.class, () -> s.forEachRemaining(c -> { }));
        }
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aResponsesStreamThatEndsWithResponseCompletedIsCompleted() {
        server.enqueue(Reply.sse(
                responseEvent("response.created", "{\"type\":\"response.created\",\"sequence_number\":0,"
                        + "\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\"}}"),
                delta(1, "Hello "), delta(2, "world"), COMPLETED));

        try (EventStream<ResponseStreamEvent> s = client.responses().stream(RESP)) {
            List<ResponseStreamEvent> events = s.stream().toList();

            assertThat(events).extracting(ResponseStreamEvent::type).containsExactly("response.created",
                    "response.output_text.delta", "response.output_text.delta", "response.completed");
            assertThat(events.get(3).response().outputText()).isEqualTo("Hello world");
            assertThat(s.text()).isEqualTo("Hello world");
            assertThat(s.state()).isEqualTo(StreamState.COMPLETED);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            // what errors.md says Sluice sends: flat fields and the nested object
            "{\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down\",\"param\":null,\"sequence_number\":3,"
                    + "\"error\":{\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down\",\"param\":null}}",
            // the documented flat form only
            "{\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down\",\"param\":null,\"sequence_number\":3}",
            // the nested form only (what OpenAI actually sends)
            "{\"type\":\"error\",\"sequence_number\":3,\"error\":{\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down\",\"param\":null}}",
    })
    void aResponsesErrorEventRaisesStreamExceptionInEveryForm(String errorData) {
        server.enqueue(Reply.sse(delta(1, "Hello "), delta(2, "wor"), responseEvent("error", errorData),
                responseEvent("response.failed", "{\"type\":\"response.failed\",\"sequence_number\":4,\"response\":"
                        + "{\"id\":\"resp_1\",\"status\":\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down\"}}}")));

        try (EventStream<ResponseStreamEvent> s = client.responses().stream(RESP)) {
            StreamException e = catchThrowableOfType(StreamException.class, () -> s.forEachRemaining(ev -> { }));

            assertThat(e.code()).isEqualTo("rate_limit_exceeded");
            assertThat(e.apiMessage()).isEqualTo("Slow down");
            assertThat(e.partialText()).isEqualTo("Hello wor");
            assertThat(e.isTruncated()).isFalse();
            assertThat(s.state()).isEqualTo(StreamState.FAILED);
            assertThat(ErrorClassifier.classify(e)).isEqualTo(NextAction.SLOW_DOWN);
        }
    }

    @Test
    void aResponseFailedEventWithoutAnErrorEventAlsoFails() {
        server.enqueue(Reply.sse(delta(1, "Hi"), responseEvent("response.failed", "{\"type\":\"response.failed\","
                + "\"response\":{\"id\":\"resp_1\",\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"Upstream died\"}}}")));

        try (EventStream<ResponseStreamEvent> s = client.responses().stream(RESP)) {
            StreamException e = catchThrowableOfType(StreamException.class, () -> s.forEachRemaining(ev -> { }));
            assertThat(e.code()).isEqualTo("server_error");
            assertThat(e.apiMessage()).isEqualTo("Upstream died");
            assertThat(e.partialText()).isEqualTo("Hi");
        }
    }

    @Test
    void aResponsesStreamThatEndsWithoutResponseCompletedIsFailed() {
        server.enqueue(Reply.sse(delta(1, "Hel")));

        try (EventStream<ResponseStreamEvent> s = client.responses().stream(RESP)) {
            StreamException e = catchThrowableOfType(StreamException.class, () -> s.forEachRemaining(ev -> { }));
            assertThat(e.isTruncated()).isTrue();
            assertThat(e.apiMessage()).contains("response.completed");
            assertThat(e.partialText()).isEqualTo("Hel");
            assertThat(s.state()).isEqualTo(StreamState.FAILED);
        }
    }

    @Test
    void eventsSplitAcrossWritesAndInsideMultiByteCharactersAreReassembled() {
        byte[] event = chunk("héllo wörld ✓").getBytes(StandardCharsets.UTF_8);
        int check = indexOf(event, "✓".getBytes(StandardCharsets.UTF_8));
        server.enqueue(Reply.sseBytes(List.of(
                Arrays.copyOfRange(event, 0, 40),               // inside the data line
                Arrays.copyOfRange(event, 40, check + 1),       // ends after the first byte of ✓
                Arrays.copyOfRange(event, check + 1, event.length - 1),
                Arrays.copyOfRange(event, event.length - 1, event.length), // the blank line's last \n
                "data: [DONE]\r\n\r\n".getBytes(StandardCharsets.UTF_8))));

        try (EventStream<ChatCompletionChunk> s = client.chat().completions().stream(HELLO)) {
            assertThat(s.stream().map(ChatCompletionChunk::text)).containsExactly("héllo wörld ✓");
            assertThat(s.state()).isEqualTo(StreamState.COMPLETED);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
