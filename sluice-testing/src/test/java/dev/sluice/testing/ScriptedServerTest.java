package dev.sluice.testing;

import dev.sluice.testing.ScriptedServer.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScriptedServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void closeClient() {
        http.shutdownNow();
    }

    private HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("x-caller", "test").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void queuedRepliesComeFirstThenTheRouterAndEveryRequestIsRecordedWithTheIdServed() throws Exception {
        try (ScriptedServer server = ScriptedServer.start()) {
            server.enqueue(Reply.json(201, "{\"first\":true}")).route(r -> Reply.text(200, "text/plain", r.path()));
            HttpResponse<String> first = post(server.baseUrl() + "/a", "one");
            HttpResponse<String> second = post(server.origin() + "/b", "two");
            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(first.body()).isEqualTo("{\"first\":true}");
            assertThat(second.body()).isEqualTo("/b");
            assertThat(server.requests()).extracting(ScriptedServer.Recorded::bodyText).containsExactly("one", "two");
            assertThat(server.requests().getFirst().header("X-Caller")).isEqualTo("test");
            assertThat(server.servedRequestIds()).containsExactly(
                    first.headers().firstValue("x-request-id").orElseThrow(),
                    second.headers().firstValue("x-request-id").orElseThrow());
        }
    }

    @Test
    void aReplyWithoutRequestIdCarriesNoneAndOtherHeadersStay() throws Exception {
        try (ScriptedServer server = ScriptedServer.start()
                .route(r -> Reply.json(200, "{}").header("request-id", "up-1").withoutRequestId())) {
            HttpResponse<String> r = post(server.baseUrl(), "");
            assertThat(r.headers().firstValue("x-request-id")).isEmpty();
            assertThat(r.headers().firstValue("request-id")).contains("up-1");
            assertThat(server.servedRequestIds()).isEmpty();
        }
    }

    @Test
    void aResetClosesTheConnectionWithoutAnAnswer() {
        try (ScriptedServer server = ScriptedServer.start().route(r -> Reply.reset())) {
            assertThatThrownBy(() -> post(server.baseUrl(), "x")).isInstanceOf(IOException.class);
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void aHangSendsNothingUntilReleasedThenTheConnectionCloses() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        try (ScriptedServer server = ScriptedServer.start().route(r -> {
            arrived.countDown();
            return Reply.hang();
        })) {
            CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(server.baseUrl())).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(answer).as("nothing is sent while it hangs").isNotDone();
            server.release();
            assertThatThrownBy(() -> answer.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void nothingListensOnTheRefusedUrl() {
        assertThatThrownBy(() -> post(Loopback.refusedUrl(), "x")).isInstanceOf(ConnectException.class);
    }
}
