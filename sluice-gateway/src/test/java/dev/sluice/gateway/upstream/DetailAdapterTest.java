package dev.sluice.gateway.upstream;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.ApiException;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class DetailAdapterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final DetailAdapter adapter = new DetailAdapter();

    @Test
    void aDetailStringBecomesTheMessageNormalisedByStatus() {
        ApiException e = adapter.error(400, "{\"detail\":\"temperature must be <= 2\"}", "m", "d");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.error().message()).isEqualTo("temperature must be <= 2");
        assertThat(e.error().type()).isEqualTo("invalid_request_error");
        assertThat(e.error().code()).isEqualTo("invalid_value");
    }

    @Test
    void aFastApiValidationListNamesTheParameter() {
        ApiException e = adapter.error(422, "{\"detail\":[{\"loc\":[\"body\",\"messages\",0,\"content\"],"
                + "\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}", "m", "d");
        assertThat(e.status()).isEqualTo(422);
        assertThat(e.error().code()).isEqualTo("unprocessable_entity");
        assertThat(e.error().param()).isEqualTo("messages[0].content");
        assertThat(e.error().message()).isEqualTo("messages[0].content: field required");
    }

    @Test
    void aDetail404IsModelNotFound() {
        ApiException e = adapter.error(404, "{\"detail\":\"Not Found\"}", "m", "d");
        assertThat(e.error().code()).isEqualTo("model_not_found");
        assertThat(e.error().param()).isEqualTo("model");
        assertThat(e.error().message()).contains("Not Found");
    }

    @Test
    void a200MadeOfADetailIsAnError() throws Exception {
        assertThat(adapter.carriesError(JSON.readTree("{\"detail\":\"overloaded\"}"))).isTrue();
        assertThat(adapter.carriesError(JSON.readTree("{\"id\":\"x\",\"choices\":[]}"))).isFalse();
    }

    @Test
    void theRequestIdMayComeFromRequestId() {
        assertThat(adapter.requestId(MultiMap.caseInsensitiveMultiMap().add("request-id", "abc"))).isEqualTo("abc");
    }

    @Test
    void sendsItsCredentialAndNoSimulatorHeader() {
        var r = adapter.request(new Deployment("d", "detail", "http://h/v1", null, "D_KEY", 0), "http://h/v1",
                Exchanges.chat("{\"model\":\"m\",\"messages\":[]}", false, "x-sluice-sim", "hang"),
                Map.of("D_KEY", "dk-1"));
        assertThat(r.headers()).containsEntry("authorization", "Bearer dk-1").doesNotContainKey("x-sluice-sim");
    }

    @Test
    void readsMaxSequenceLengthFromAListingOrAModelObject() throws Exception {
        assertThat(DetailAdapter.maxSequenceLength(JSON.readTree("{\"data\":[{\"id\":\"a\",\"max_sequence_length\""
                + ":2048},{\"id\":\"b\",\"max_sequence_length\":4096}]}"), "b")).hasValue(4096);
        assertThat(DetailAdapter.maxSequenceLength(JSON.readTree("{\"id\":\"a\",\"max_sequence_length\":512}"), "a"))
                .hasValue(512);
        assertThat(DetailAdapter.maxSequenceLength(JSON.readTree("{\"data\":[{\"id\":\"a\"}]}"), "a"))
                .isEqualTo(OptionalInt.empty());
    }

    @Test
    void warnsAtStartWhenTheConfiguredContextWindowIsLargerThanTheProviders() throws Exception {
        ScriptedServer provider = ScriptedServer.start().route(r -> r.path().equals("/v1/models")
                ? Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"up-small\",\"max_sequence_length\":4096}]}")
                : Reply.error(404, "invalid_request_error", null, "no route"));
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient http = vertx.createHttpClient();
            String base = provider.baseUrl();
            ModelCatalog catalog = new ModelCatalog(List.of(
                    model("too-big", 8192, new Deployment("d1", "detail", base, "up-small", "D_KEY", 0)),
                    model("fits", 4096, new Deployment("d2", "detail", base, "up-small", null, 0)),
                    model("other", 9999, new Deployment("o", "openai", base, null, null, 0))));
            List<String> warnings = DetailAdapter.checkContextWindows(http, catalog, d -> d.baseUrl(),
                    Map.of("D_KEY", "dk-secret")).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(warnings).singleElement().asString().contains("too-big").contains("8192").contains("4096")
                    .doesNotContain("dk-secret");
            assertThat(provider.requests()).allSatisfy(r -> assertThat(r.header("authorization"))
                    .isIn("Bearer dk-secret", null));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            provider.close();
        }
    }

    private static ModelSpec model(String id, int context, Deployment d) {
        return new ModelSpec(id, id, Modality.CHAT, context, 100, "cl100k_base", 1, 1, List.of(d), 0);
    }
}
