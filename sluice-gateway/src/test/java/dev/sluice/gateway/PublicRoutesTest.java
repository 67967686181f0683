package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which route a request reaches on the public port, through real HTTP on loopback: paths are matched after
 * normalization (dot segments, doubled slashes) with an optional trailing slash, case-sensitively; a path that matches
 * no route is 404 unknown_url and a known path with another method 405 method_not_allowed, named as the caller sent
 * it; path parameters reach their stage; and a refusal carries the request id of its own request.
 */
class PublicRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @ParameterizedTest(name = "POST {0} -> {1}")
    @CsvSource({
            "/v1/chat/completions, 200",
            "/v1/chat/completions/, 200",
            "/v1//chat/completions, 200",
            "/v1/./chat/completions, 200",
            "/v1/models/../chat/completions, 200",
            "/v1/chat/completions?x=1, 200",
            "/v1/chat/completions//, 200",
            "/V1/chat/completions, 404",
            "/v1/chat/completion, 404",
            "/v1/chat/completions/x, 404",
            "/v1/models, 405",
            "/v1/models/sim-mini, 405",
    })
    void aChatRequestReachesTheChatRouteOnlyOnItsPath(String path, int status) {
        HttpResponse<String> r = gw.post(path, chat("sim-mini", null));
        assertThat(r.statusCode()).as("%s -> %s", path, r.body()).isEqualTo(status);
        if (status == 200) assertThat(r.body()).contains("\"object\":\"chat.completion\"");
        if (status == 404) assertError(r, 404, "invalid_request_error", "unknown_url", null, false);
        if (status == 405) {
            assertError(r, 405, "invalid_request_error", "method_not_allowed", null, false);
            assertThat(r.headers().firstValue("allow")).contains("GET");
        }
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "GET, /v1/models, 200, list",
            "GET, /v1/models/, 200, list",
            "GET, /v1/models/sim-mini, 200, model",
            "GET, /v1/models/sim-mini/, 404, sim-mini/",
            "GET, /v1//models/sim-mini, 404, /sim-mini",
            "GET, /v1/models/sim%2Dmini, 200, model",
            "GET, /v1/models/a+b, 404, a+b",
            "GET, /v1/models/a%2Bb, 404, a+b",
            "GET, /v1/files, 200, list",
            "GET, /v1/files/, 200, list",
            "GET, /v1/batches, 200, list",
            "GET, /v1/chat/completions, 405, POST",
            "GET, /v1/chat/completions/, 404, -",
            "DELETE, /v1/models, 405, GET",
            "PUT, /v1/files, 405, 'GET, POST'",
            "HEAD, /v1/nothing, 404, -",
            "GET, /v1/models/a/b, 404, -",
    })
    void eachMethodAndPathReachesItsRoute(String method, String path, int status, String what) throws Exception {
        HttpResponse<String> r = gw.request(method, path);
        assertThat(r.statusCode()).as("%s %s -> %s", method, path, r.body()).isEqualTo(status);
        if (status == 200) {
            JsonNode body = JSON.readTree(r.body());
            if (what.equals("list")) assertThat(body.get("object").asText()).isEqualTo("list");
            else assertThat(body.get("id").asText()).isEqualTo("sim-mini");
        } else if (status == 405) {
            assertError(r, 405, "invalid_request_error", "method_not_allowed", null, false);
            assertThat(r.headers().firstValue("allow")).contains(what);
        } else if (!what.equals("-")) {
            // the route matched; the model stage reads the id from the path as sent (a trailing slash and all)
            JsonNode e = assertError(r, 404, "invalid_request_error", "model_not_found", "model", false);
            assertThat(e.get("message").asText()).contains("'" + what + "'");
        } else if (!method.equals("HEAD")) {
            JsonNode e = assertError(r, 404, "invalid_request_error", "unknown_url", null, false);
            assertThat(e.get("message").asText()).startsWith("Unknown request URL: " + method + " " + path + ".");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "/v1/files/file+1, No file found with id 'file+1'.",
            "/v1/files/file%2B1/content, No file found with id 'file+1'.",
            "/v1/batches/batch+1, No batch found with id 'batch+1'.",
            "/v1/batches/batch%201, No batch found with id 'batch 1'.",
    })
    void anIdInThePathIsPercentDecodedAndAPlusStaysAPlus(String path, String message) throws Exception {
        // '+' means a space only in a query string (form encoding); in a path segment it is itself
        HttpResponse<String> r = gw.request("GET", path);
        JsonNode e = assertError(r, 404, "invalid_request_error", "not_found", null, false);
        assertThat(e.get("message").asText()).isEqualTo(message);
    }

    @Test
    void aRefusalOnAModelRouteNamesTheRequestIdOfItsAnswer() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null), TestGateway.FAULT_HEADER, "1");
        JsonNode e = assertError(r, 500, "server_error", "internal_error", null, true);
        assertThat(e.get("message").asText()).contains(r.headers().firstValue("x-request-id").orElseThrow());
        HttpResponse<String> unknown = gw.post("/v1/nothing", "{}");
        JsonNode u = assertError(unknown, 404, "invalid_request_error", "unknown_url", null, false);
        assertThat(unknown.headers().firstValue("x-request-id")).isPresent();
        assertThat(u.get("message").asText()).startsWith("Unknown request URL: POST /v1/nothing.");
    }
}
