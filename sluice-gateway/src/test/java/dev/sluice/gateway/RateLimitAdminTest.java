package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TrafficHarness.adminGet;
import static dev.sluice.gateway.TrafficHarness.adminPost;
import static dev.sluice.gateway.TrafficHarness.okJson;
import static org.assertj.core.api.Assertions.assertThat;

/** The rate-limit endpoints of the admin port, in OpenAI's project rate_limits shape. */
class RateLimitAdminTest {
    @TempDir
    static Path dir;
    static TestGateway gw;
    static String project;
    static String org;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).config("limits:\n  defaults:\n    sim-large:\n      project: {rpm: 77, tpd: 123456}\n"
                + TrafficHarness.ONLY_LIMITS).start();
        project = TrafficHarness.projectId(gw);
        org = TrafficHarness.orgId(gw);
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void aProjectListsOneRateLimitPerModelFamilyWithTheDefaultsInForce() {
        JsonNode list = okJson(adminGet(gw, "/v1/organization/projects/" + project + "/rate_limits"));
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("has_more").asBoolean()).isFalse();
        assertThat(list.get("data")).extracting(n -> n.get("id").asText())
                .containsExactly("rl-sim-mini", "rl-sim-large", "rl-sim-embed", "rl-sim-image");
        JsonNode large = list.get("data").get(1);
        assertThat(large.get("object").asText()).isEqualTo("project.rate_limit");
        assertThat(large.get("model").asText()).isEqualTo("sim-large");
        assertThat(large.get("max_requests_per_1_minute").asLong()).isEqualTo(77);
        assertThat(large.get("max_tokens_per_1_minute").asLong()).isEqualTo(2_000_000);
        assertThat(large.get("max_tokens_per_1_day").asLong()).isEqualTo(123456);
        assertThat(large.get("max_requests_per_1_day").isNull()).isTrue();
        assertThat(large.has("max_images_per_1_minute")).isTrue();
        assertThat(large.has("batch_1_day_max_input_tokens")).isTrue();
        assertThat(list.get("first_id").asText()).isEqualTo("rl-sim-mini");
        assertThat(list.get("last_id").asText()).isEqualTo("rl-sim-image");

        JsonNode page = okJson(adminGet(gw, "/v1/organization/projects/" + project + "/rate_limits?limit=2&after=rl-sim-mini"));
        assertThat(page.get("data")).extracting(n -> n.get("id").asText()).containsExactly("rl-sim-large", "rl-sim-embed");
        assertThat(page.get("has_more").asBoolean()).isTrue();
    }

    @Test
    void anUnknownAfterCursorIsA400NamingAfter() {
        assertError(adminGet(gw, "/v1/organization/projects/" + project + "/rate_limits?after=rl-nope"), 400,
                "invalid_request_error", "invalid_value", "after", false);
    }

    @Test
    void modifyingSetsTheGivenFieldsAndNullReturnsToTheDefault() {
        String path = "/v1/organization/projects/" + project + "/rate_limits/rl-sim-embed";
        JsonNode set = okJson(adminPost(gw, path, "{\"max_requests_per_1_minute\": 42, \"max_tokens_per_1_day\": 9000, "
                + "\"batch_1_day_max_input_tokens\": 5000}"));
        assertThat(set.get("id").asText()).isEqualTo("rl-sim-embed");
        assertThat(set.get("max_requests_per_1_minute").asLong()).isEqualTo(42);
        assertThat(set.get("max_tokens_per_1_minute").asLong()).isEqualTo(5_000_000); // untouched default
        assertThat(set.get("max_tokens_per_1_day").asLong()).isEqualTo(9000);
        assertThat(set.get("batch_1_day_max_input_tokens").asLong()).isEqualTo(5000);

        JsonNode reset = okJson(adminPost(gw, path, "{\"max_requests_per_1_minute\": null}"));
        assertThat(reset.get("max_requests_per_1_minute").asLong()).isEqualTo(5000);
        assertThat(reset.get("max_tokens_per_1_day").asLong()).isEqualTo(9000);

        JsonNode listed = okJson(adminGet(gw, "/v1/organization/projects/" + project + "/rate_limits")).get("data").get(2);
        assertThat(listed).isEqualTo(reset);
    }

    @Test
    void organizationsHaveTheSameEndpointsAtTheirLevel() {
        JsonNode set = okJson(adminPost(gw, "/v1/organizations/" + org + "/rate_limits/rl-sim-image",
                "{\"max_images_per_1_minute\": 7}"));
        assertThat(set.get("object").asText()).isEqualTo("organization.rate_limit");
        assertThat(set.get("max_images_per_1_minute").asLong()).isEqualTo(7);
        JsonNode list = okJson(adminGet(gw, "/v1/organizations/" + org + "/rate_limits"));
        assertThat(list.get("data").get(3).get("max_images_per_1_minute").asLong()).isEqualTo(7);
        assertThat(list.get("data").get(0).get("max_requests_per_1_minute").asLong()).isEqualTo(10_000);
    }

    @Test
    void unknownOwnersAndRateLimitIdsAre404() {
        assertError(adminGet(gw, "/v1/organization/projects/proj_nope/rate_limits"), 404, "invalid_request_error",
                "not_found", null, false);
        assertError(adminPost(gw, "/v1/organization/projects/proj_nope/rate_limits/rl-sim-mini",
                "{\"max_requests_per_1_minute\": 1}"), 404, "invalid_request_error", "not_found", null, false);
        JsonNode err = assertError(adminPost(gw, "/v1/organization/projects/" + project + "/rate_limits/rl-gpt-9",
                "{\"max_requests_per_1_minute\": 1}"), 404, "invalid_request_error", "not_found", null, false);
        assertThat(err.get("message").asText()).isEqualTo("No rate limit found with id 'rl-gpt-9'.");
        assertError(adminGet(gw, "/v1/organizations/org_nope/rate_limits"), 404, "invalid_request_error",
                "not_found", null, false);
    }

    @Test
    void badValuesAreRefusedAndChangeNothing() {
        String path = "/v1/organization/projects/" + project + "/rate_limits/rl-sim-mini";
        assertError(adminPost(gw, path, "{\"max_requests_per_1_minute\": 0}"), 400, "invalid_request_error",
                "invalid_value", "max_requests_per_1_minute", false);
        assertError(adminPost(gw, path, "{\"max_tokens_per_1_minute\": \"lots\"}"), 400, "invalid_request_error",
                "invalid_type", "max_tokens_per_1_minute", false);
        assertError(adminPost(gw, path, "{\"max_requests_per_1_minute\": 5, \"max_requests_per_1_hour\": 5}"), 400,
                "invalid_request_error", "unknown_parameter", "max_requests_per_1_hour", false);
        assertError(adminPost(gw, path, "[1]"), 400, "invalid_request_error", null, null, false);
        assertError(adminGet(gw, "/v1/organization/projects/" + project + "/rate_limits?limit=0"), 400,
                "invalid_request_error", "invalid_value", "limit", false);
        JsonNode mini = okJson(adminGet(gw, "/v1/organization/projects/" + project + "/rate_limits")).get("data").get(0);
        assertThat(mini.get("max_requests_per_1_minute").asLong()).isEqualTo(5000);
    }

    @Test
    void theRateLimitEndpointsNeedTheAdminToken() {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort()
                + "/v1/organization/projects/" + project + "/rate_limits")).GET().build());
        assertError(r, 401, "invalid_request_error", "missing_api_key", null, false);
    }
}
