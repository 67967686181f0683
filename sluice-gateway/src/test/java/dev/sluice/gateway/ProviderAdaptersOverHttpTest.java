package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each provider adapter puts on the wire and how it reads the answer, against a scripted provider on a loopback
 * port that records every request: credentials from the named environment variable, the upstream model name, the
 * simulator's fault header only for {@code sim}, and {@code detail}-shaped errors normalised.
 */
class ProviderAdaptersOverHttpTest {
    @TempDir
    static Path dir;
    static ScriptedServer provider;
    static TestGateway gw;
    /** The last request each script path received: headers (lower-case names) and body. */
    static final Map<String, Map<String, String>> seen = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        provider = ScriptedServer.start().route(ProviderAdaptersOverHttpTest::script);
        String base = provider.origin();
        String yaml = "simulator:\n  enabled: false\nretry_budget:\n  enabled: false\nupstream_retries:\n  base_backoff_ms: 5\n  max_backoff_ms: 10\n"
                + "models:\n"
                + model("p-openai", "{name: o, provider: openai, base_url: \"" + base + "/ok-openai/v1\", model: up-o,"
                + " api_key_env: OPENAI_TEST_KEY}")
                + model("p-detail", "{name: d, provider: detail, base_url: \"" + base + "/ok-detail/v1\","
                + " api_key_env: DETAIL_TEST_KEY}")
                + model("p-sim", "{name: s, provider: sim, base_url: \"" + base + "/ok-sim/v1\"}")
                + model("p-detail422", "{name: d, provider: detail, base_url: \"" + base + "/detail422/v1\"}")
                + model("p-detail200", "{name: d, provider: detail, base_url: \"" + base + "/detail200/v1\"}")
                + model("p-openai422", "{name: o, provider: openai, base_url: \"" + base + "/detail422/v1\"}");
        gw = TestGateway.builder(dir).config(yaml).env(Map.of("OPENAI_TEST_KEY", "sk-upstream-openai-123", "DETAIL_TEST_KEY", "dk-upstream-456")).start();
    }

    static String model(String id, String deployment) {
        return UpstreamResilienceTest.model(id, deployment);
    }

    @AfterAll
    static void stop() {
        gw.close();
        provider.close();
    }

    static Reply script(ScriptedServer.Recorded r) {
        String behaviour = r.path().split("/")[1];
        Map<String, String> h = new ConcurrentHashMap<>(r.headers());
        h.put("@body", r.bodyText());
        h.put("@path", r.path());
        seen.put(behaviour, h);
        return switch (behaviour) {
            case "ok-openai", "ok-sim" -> reply(behaviour, 200, "x-request-id", completion());
            case "ok-detail" -> reply(behaviour, 200, "request-id", completion()).withoutRequestId();
            case "detail422" -> reply(behaviour, 422, "x-request-id", "{\"detail\":[{\"loc\":[\"body\",\"temperature\"],"
                    + "\"msg\":\"ensure this value is less than or equal to 2\",\"type\":\"value_error\"}]}");
            case "detail200" -> reply(behaviour, 200, "x-request-id", "{\"detail\":\"backend overloaded\"}");
            default -> reply(behaviour, 500, "x-request-id", "{}");
        };
    }

    static String completion() {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"up\",\"choices\":[{"
                + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";
    }

    static Reply reply(String behaviour, int status, String idHeader, String body) {
        return Reply.json(status, body).header(idHeader, "up-" + behaviour);
    }

    @Test
    void openAiGetsItsCredentialTheUpstreamModelNameAndNoSimulatorHeader() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("p-openai", null), "x-sluice-sim", "hang",
                "idempotency-key", "key-1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, String> got = seen.get("ok-openai");
        assertThat(got.get("@path")).isEqualTo("/ok-openai/v1/chat/completions");
        assertThat(got.get("authorization")).isEqualTo("Bearer sk-upstream-openai-123");
        assertThat(got).doesNotContainKey("x-sluice-sim");
        assertThat(JSON.readTree(got.get("@body")).get("model").asText()).isEqualTo("up-o");
        assertThat(r.headers().firstValue("x-upstream-request-id")).contains("up-ok-openai");
        assertThat(r.body()).doesNotContain("sk-upstream-openai-123");
    }

    @Test
    void detailGetsItsCredentialAndItsRequestIdIsKept() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("p-detail", null), "x-sluice-sim", "hang");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, String> got = seen.get("ok-detail");
        assertThat(got.get("authorization")).isEqualTo("Bearer dk-upstream-456");
        assertThat(got).doesNotContainKey("x-sluice-sim");
        assertThat(r.headers().firstValue("x-upstream-request-id")).contains("up-ok-detail");
    }

    @Test
    void simGetsTheFaultHeaderAndNoCredential() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("p-sim", null), "x-sluice-sim", "tokens=3");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, String> got = seen.get("ok-sim");
        assertThat(got.get("x-sluice-sim")).isEqualTo("tokens=3");
        assertThat(got).doesNotContainKey("authorization");
        assertThat(JSON.readTree(got.get("@body")).get("model").asText()).isEqualTo("p-sim");
    }

    @Test
    void aFastApiValidationErrorBecomesAnOpenAi422NamingTheParameter() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("p-detail422", null)), 422,
                "invalid_request_error", "unprocessable_entity", "temperature", false);
        assertThat(e.get("message").asText()).isEqualTo("temperature: ensure this value is less than or equal to 2");
    }

    @Test
    void theOpenAiAdapterNormalisesADetailListWithoutAParam() {
        JsonNode e = assertError(gw.post("/v1/chat/completions", chat("p-openai422", null)), 422,
                "invalid_request_error", "unprocessable_entity", null, false);
        assertThat(e.get("message").asText()).doesNotContain("127.0.0.1");
    }

    @Test
    void a200MadeOfADetailIsBadGatewayAfterRetries() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("p-detail200", null));
        JsonNode e = assertError(r, 502, "server_error", "bad_gateway", null, true);
        assertThat(e.get("message").asText()).doesNotContain("overloaded");
        assertThat(r.headers().firstValue("x-sluice-attempts")).contains("3");
    }
}
