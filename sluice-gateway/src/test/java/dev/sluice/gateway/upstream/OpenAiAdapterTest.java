package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiAdapterTest {
    private final OpenAiAdapter adapter = new OpenAiAdapter();
    private final Deployment deployment = new Deployment("oa", "openai", "https://api.example/v1", "gpt-up",
            "OA_KEY", 0);

    @Test
    void sendsTheCredentialFromItsEnvironmentVariableAndRenamesTheModel() throws Exception {
        var r = adapter.request(deployment, "https://api.example/v1",
                Exchanges.chat("{\"model\":\"mine\",\"messages\":[]}", false), Map.of("OA_KEY", "sk-upstream-1"));
        assertThat(r.url()).isEqualTo("https://api.example/v1/chat/completions");
        assertThat(r.headers()).containsEntry("authorization", "Bearer sk-upstream-1")
                .containsEntry("accept", "application/json");
        assertThat(new ObjectMapper().readTree(r.body().toString()).get("model").asText()).isEqualTo("gpt-up");
    }

    @Test
    void neverForwardsTheSimulatorFaultHeaderButKeepsTheIdempotencyKey() {
        var r = adapter.request(deployment, "https://api.example/v1",
                Exchanges.chat("{\"model\":\"gpt-up\",\"messages\":[]}", true, "x-sluice-sim", "status=500",
                        "idempotency-key", "k1"), Map.of());
        assertThat(r.headers()).doesNotContainKey("x-sluice-sim").doesNotContainKey("authorization")
                .containsEntry("idempotency-key", "k1").containsEntry("accept", "text/event-stream");
    }

    @Test
    void anOpenAiShaped400KeepsItsFields() {
        ApiException e = adapter.error(400, "{\"error\":{\"message\":\"bad temp\",\"type\":\"invalid_request_error\","
                + "\"param\":\"temperature\",\"code\":\"invalid_value\"}}", "mine", "oa");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.error().message()).isEqualTo("bad temp");
        assertThat(e.error().param()).isEqualTo("temperature");
    }

    @Test
    void capacityAndCredentialErrorsAreMappedNotPassedThrough() {
        assertThat(adapter.error(429, "{}", "mine", "oa").error().code()).isEqualTo("upstream_unavailable");
        assertThat(adapter.error(401, "{\"error\":{\"message\":\"Incorrect API key\"}}", "mine", "oa").error().code())
                .isEqualTo("bad_gateway");
        assertThat(adapter.error(500, "oops", "mine", "oa").error().code()).isEqualTo("bad_gateway");
    }

    @Test
    void a200WithAnErrorObjectIsAnError() throws Exception {
        ObjectMapper m = new ObjectMapper();
        assertThat(adapter.carriesError(m.readTree("{\"error\":{\"message\":\"x\"}}"))).isTrue();
        assertThat(adapter.carriesError(m.readTree("{\"id\":\"c\",\"choices\":[],\"error\":null}"))).isFalse();
    }

    @Test
    void theUpstreamRequestIdComesFromXRequestId() {
        assertThat(adapter.requestId(MultiMap.caseInsensitiveMultiMap().add("X-Request-Id", "req_up"))).isEqualTo("req_up");
    }
}
