package dev.sluice.gateway.upstream;

import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** An attempt's request options, built from a per-origin memo, say what parsing the whole URL says. */
class RequestOptionsTest {
    @ParameterizedTest
    @ValueSource(strings = {
            "http://127.0.0.1:8080/v1/chat/completions",
            "https://api.openai.com/v1/chat/completions",
            "HTTPS://API.example.com/v1/embeddings",
            "http://localhost/v1/responses",
            "https://my.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            "https://bedrock-runtime.us-east-1.amazonaws.com:443/model/anthropic.claude%3A1/converse",
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?alt=sse",
            "http://[::1]:9000/v1/chat/completions",
            "http://user:secret@example.com:81/v1/chat/completions",
            "http://example.com:81?x=1",
    })
    void sameAsParsingTheWholeUrl(String url) {
        RequestOptions expected = new RequestOptions().setAbsoluteURI(url);
        for (int i = 0; i < 2; i++) { // the first builds the memo, the second reads it
            RequestOptions got = UpstreamClients.requestOptions(url);
            assertThat(got.getHost()).as(url).isEqualTo(expected.getHost());
            assertThat(got.getPort()).as(url).isEqualTo(expected.getPort());
            assertThat(got.isSsl()).as(url).isEqualTo(expected.isSsl());
            assertThat(got.getURI()).as(url).isEqualTo(expected.getURI());
            if (got.getServer() != null) { // the address the client would build from host and port (same pool key)
                assertThat(got.getServer()).as(url)
                        .isEqualTo(SocketAddress.inetSocketAddress(expected.getPort(), expected.getHost()));
            }
        }
    }
}
