package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.DemoCredentials;
import dev.sluice.gateway.store.KeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.adminGet;
import static dev.sluice.gateway.TrafficHarness.okJson;
import static org.assertj.core.api.Assertions.assertThat;

/** The usage and costs endpoints of the admin port, in OpenAI's organization usage/costs shape, from the ledger. */
class UsageApiTest {
    @TempDir
    Path dir;

    private final FakeTime clock = FakeTime.at("2026-03-10T12:00:00Z");
    private final long day0 = Instant.parse("2026-03-10T00:00:00Z").getEpochSecond();

    /** Sums per "project|model" of input tokens, output tokens and cost in nano-dollars. */
    private final Map<String, long[]> expected = new HashMap<>();

    private void call(TestGateway gw, String key, String project, String model, String path, String body) {
        HttpResponse<String> r = gw.post(path, body, "authorization", "Bearer " + key, "x-sluice-sim", "tokens=7");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        TrafficHarness.awaitUsage(gw, r); // recorded (and timed) before the test moves the clock
        JsonNode u = TrafficHarness.json(r).get("usage");
        long in = u.get("prompt_tokens").asLong();
        long out = u.path("completion_tokens").asLong(0);
        double[] price = switch (model) {
            case "sim-large" -> new double[] {2.5, 10};
            case "sim-embed" -> new double[] {0.02, 0};
            default -> new double[] {0.15, 0.6};
        };
        long[] sum = expected.computeIfAbsent(project + "|" + model, k -> new long[3]);
        sum[0] += in;
        sum[1] += out;
        sum[2] += Math.round(in * price[0] * 1000 + out * price[1] * 1000);
    }

    @Test
    void usageAndCostsAreBucketedByDayAndGroupedByProjectAndModel() {
        try (TestGateway gw = TestGateway.builder(dir).config(TrafficHarness.ONLY_LIMITS + "quotas:\n  ledger_flush_ms: 10\n").clock(clock).start()) {
            DemoCredentials demo = gw.gateway.demo().orElseThrow();
            AccessStore store = new AccessStore(gw.gateway.database(), clock);
            String other = store.projects().create(demo.orgId(), "Other").id();
            String otherKey = store.apiKeys().create(KeySpec.forUser(other, demo.userId(), "other")).secret();
            String mine = demo.projectId();
            String key = TestGateway.DEMO_KEY;

            call(gw, key, mine, "sim-mini", "/v1/chat/completions", chat("sim-mini", null));
            call(gw, key, mine, "sim-mini", "/v1/chat/completions", chat("sim-mini", null));
            call(gw, key, mine, "sim-large", "/v1/chat/completions", chat("sim-large", null));
            call(gw, key, mine, "sim-embed", "/v1/embeddings", "{\"model\":\"sim-embed\",\"input\":\"hello there\"}");
            call(gw, otherKey, other, "sim-mini", "/v1/chat/completions", chat("sim-mini", null));
            Map<String, long[]> firstDay = new HashMap<>();
            expected.forEach((k, v) -> firstDay.put(k, v.clone()));
            clock.advance(Duration.ofDays(1));
            expected.clear();
            call(gw, key, mine, "sim-mini", "/v1/chat/completions", chat("sim-mini", null));
            Map<String, long[]> secondDay = new HashMap<>(expected);
            awaitRows(gw, 6);

            JsonNode page = okJson(adminGet(gw, "/v1/organization/usage/completions?start_time=" + day0
                    + "&bucket_width=1d&limit=2&group_by=project_id,model"));
            assertThat(page.get("object").asText()).isEqualTo("page");
            assertThat(page.get("data")).hasSize(2);
            JsonNode b0 = page.get("data").get(0);
            assertThat(b0.get("object").asText()).isEqualTo("bucket");
            assertThat(b0.get("start_time").asLong()).isEqualTo(day0);
            assertThat(b0.get("end_time").asLong()).isEqualTo(day0 + 86_400);
            assertThat(b0.get("results")).hasSize(3); // mini and large of mine, mini of the other; no embeddings
            for (JsonNode r : b0.get("results")) {
                assertThat(r.get("object").asText()).isEqualTo("organization.usage.completions.result");
                long[] want = firstDay.get(r.get("project_id").asText() + "|" + r.get("model").asText());
                assertThat(want).as(r.toString()).isNotNull();
                assertThat(r.get("input_tokens").asLong()).isEqualTo(want[0]);
                assertThat(r.get("output_tokens").asLong()).isEqualTo(want[1]);
                assertThat(r.get("api_key_id").isNull()).isTrue();
                assertThat(r.has("input_cached_tokens")).isTrue();
            }
            JsonNode mini = find(b0, mine, "sim-mini");
            assertThat(mini.get("num_model_requests").asLong()).isEqualTo(2);
            JsonNode b1 = page.get("data").get(1);
            assertThat(b1.get("results")).hasSize(1);
            assertThat(b1.get("results").get(0).get("input_tokens").asLong()).isEqualTo(secondDay.get(mine + "|sim-mini")[0]);

            JsonNode embeddings = okJson(adminGet(gw, "/v1/organization/usage/embeddings?start_time=" + day0 + "&limit=1"));
            JsonNode e = embeddings.get("data").get(0).get("results").get(0);
            assertThat(e.get("object").asText()).isEqualTo("organization.usage.embeddings.result");
            assertThat(e.get("input_tokens").asLong()).isEqualTo(firstDay.get(mine + "|sim-embed")[0]);
            assertThat(e.get("project_id").isNull()).isTrue(); // not grouped

            JsonNode costs = okJson(adminGet(gw, "/v1/organization/costs?start_time=" + day0
                    + "&limit=1&group_by=project_id&group_by=line_item"));
            assertThat(costs.get("has_more").asBoolean()).isTrue();
            assertThat(costs.get("next_page").asText()).isEqualTo("page_" + (day0 + 86_400));
            for (JsonNode c : costs.get("data").get(0).get("results")) {
                assertThat(c.get("object").asText()).isEqualTo("organization.costs.result");
                assertThat(c.at("/amount/currency").asText()).isEqualTo("usd");
                long[] want = firstDay.get(c.get("project_id").asText() + "|" + c.get("line_item").asText());
                assertThat(c.at("/amount/value").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(want[2], 9));
            }
            JsonNode next = okJson(adminGet(gw, "/v1/organization/costs?start_time=" + day0 + "&limit=1&page="
                    + costs.get("next_page").asText()));
            assertThat(next.get("data").get(0).get("start_time").asLong()).isEqualTo(day0 + 86_400);
            assertThat(next.at("/data/0/results/0/amount/value").decimalValue())
                    .isEqualByComparingTo(BigDecimal.valueOf(secondDay.get(mine + "|sim-mini")[2], 9));

            JsonNode byKey = okJson(adminGet(gw, "/v1/organization/usage/completions?start_time=" + day0
                    + "&limit=1&group_by=api_key_id&project_ids=" + other));
            assertThat(byKey.at("/data/0/results")).hasSize(1);
            assertThat(byKey.at("/data/0/results/0/api_key_id").asText()).startsWith("key");
            assertThat(byKey.at("/data/0/results/0/project_id").isNull()).isTrue();
        }
    }

    @Test
    void badQueriesAreAnsweredWithTheParameterNamed() {
        try (TestGateway gw = TestGateway.builder(dir).config(TrafficHarness.ONLY_LIMITS).clock(clock).start()) {
            assertError(adminGet(gw, "/v1/organization/usage/completions"), 400, "invalid_request_error", null,
                    "start_time", false);
            assertError(adminGet(gw, "/v1/organization/usage/completions?start_time=yesterday"), 400,
                    "invalid_request_error", "invalid_value", "start_time", false);
            assertError(adminGet(gw, "/v1/organization/usage/completions?start_time=1&bucket_width=1w"), 400,
                    "invalid_request_error", "invalid_value", "bucket_width", false);
            assertError(adminGet(gw, "/v1/organization/usage/completions?start_time=1&group_by=user_id"), 400,
                    "invalid_request_error", "invalid_value", "group_by", false);
            assertError(adminGet(gw, "/v1/organization/costs?start_time=1&bucket_width=1h"), 400,
                    "invalid_request_error", "invalid_value", "bucket_width", false);
            assertError(adminGet(gw, "/v1/organization/usage/completions?start_time=100&end_time=50"), 400,
                    "invalid_request_error", "invalid_value", "end_time", false);
            assertError(adminGet(gw, "/v1/organization/usage/completions?start_time=1&limit=32"), 400,
                    "invalid_request_error", "invalid_value", "limit", false);
        }
    }

    private static JsonNode find(JsonNode bucket, String project, String model) {
        for (JsonNode r : bucket.get("results")) {
            if (r.get("project_id").asText().equals(project) && r.get("model").asText().equals(model)) return r;
        }
        throw new AssertionError("no result for " + project + " " + model + " in " + bucket);
    }

    private static void awaitRows(TestGateway gw, long n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gw.gateway.traffic().ledger().rowsWritten() < n) {
            assertThat(System.nanoTime()).as("ledger rows written").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
