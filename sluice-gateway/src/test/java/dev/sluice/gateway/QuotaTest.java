package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.adminGet;
import static dev.sluice.gateway.TrafficHarness.adminPost;
import static dev.sluice.gateway.TrafficHarness.awaitUsage;
import static dev.sluice.gateway.TrafficHarness.burst;
import static dev.sluice.gateway.TrafficHarness.header;
import static dev.sluice.gateway.TrafficHarness.okJson;
import static dev.sluice.gateway.TrafficHarness.orgId;
import static dev.sluice.gateway.TrafficHarness.projectId;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Budgets and prepaid credits through real HTTP: 429 insufficient_quota that tells clients not to retry, reservations
 * that keep a burst from overshooting, the UTC month, and spend that survives a restart.
 */
class QuotaTest {
    /** sim-mini prices: 0.15 and 0.60 USD per 1M tokens = 150 and 600 nano-dollars per token. */
    static final long IN = 150, OUT = 600;

    @TempDir
    Path dir;

    private final FakeTime clock = FakeTime.at("2026-03-10T12:00:00Z");

    private TestGateway gateway(String extra) {
        return TestGateway.builder(dir).config(TrafficHarness.ONLY_LIMITS + extra).clock(clock).start();
    }

    static long nanos(JsonNode usd) {
        return usd.decimalValue().movePointRight(9).longValueExact();
    }

    static String usd(long nanos) {
        return BigDecimal.valueOf(nanos, 9).toPlainString();
    }

    /** Cost of an answer from its usage. */
    static long cost(HttpResponse<String> r) {
        JsonNode u = TrafficHarness.json(r).get("usage");
        return u.get("prompt_tokens").asLong() * IN + u.get("completion_tokens").asLong() * OUT;
    }

    static void assertQuotaError(HttpResponse<String> r) {
        JsonNode err = assertError(r, 429, "insufficient_quota", "insufficient_quota", null, false);
        assertThat(err.get("message").asText())
                .isEqualTo("You exceeded your current quota, please check your plan and billing details.");
        assertThat(header(r, "retry-after")).isNull();
        assertThat(header(r, "retry-after-ms")).isNull();
    }

    @Test
    void fiftyConcurrentRequestsAgainstANearlySpentBudgetOvershootItByAtMostOneRequest() {
        try (TestGateway gw = gateway("")) {
            String body = chat("sim-mini", "\"max_tokens\":100");
            long spent = 0;
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = gw.post("/v1/chat/completions", body, "x-sluice-sim", "tokens=100");
                assertThat(r.statusCode()).isEqualTo(200);
                awaitUsage(gw, r);
                spent += cost(r);
            }
            String budgetPath = "/v1/organization/projects/" + projectId(gw) + "/budget";
            assertThat(nanos(okJson(adminGet(gw, budgetPath)).get("spend_this_month_usd"))).isEqualTo(spent);
            long perRequest = spent / 3;
            long budget = spent + perRequest * 5 / 2; // room for two and a half more requests
            okJson(adminPost(gw, budgetPath, "{\"monthly_budget_usd\": " + usd(budget) + "}"));

            List<HttpResponse<String>> answers = burst(gw, 50, body, "x-sluice-sim", "tokens=100;delay_ms=300");

            List<HttpResponse<String>> ok = answers.stream().filter(r -> r.statusCode() == 200).toList();
            List<HttpResponse<String>> refused = answers.stream().filter(r -> r.statusCode() != 200).toList();
            refused.forEach(QuotaTest::assertQuotaError);
            assertThat(ok).hasSize(3); // admitted while spend + reservations < budget
            long maxCost = 0;
            for (HttpResponse<String> r : answers) {
                awaitUsage(gw, r);
                if (r.statusCode() == 200) maxCost = Math.max(maxCost, cost(r));
            }
            JsonNode after = okJson(adminGet(gw, budgetPath));
            long finalSpend = nanos(after.get("spend_this_month_usd"));
            assertThat(finalSpend).isGreaterThanOrEqualTo(budget).isLessThanOrEqualTo(budget + maxCost);
            assertThat(nanos(after.get("reserved_usd"))).isZero();
            assertThat(after.get("quota_exhausted").asBoolean()).isTrue();
            assertQuotaError(gw.post("/v1/chat/completions", body));
        }
    }

    @Test
    void prepaidCreditsRunOutAndANewGrantRestoresAccess() {
        try (TestGateway gw = gateway("")) {
            String grants = "/v1/organizations/" + orgId(gw) + "/credit_grants";
            JsonNode grant = okJson(adminPost(gw, grants, "{\"amount_usd\": 0.0001, \"note\": \"trial\"}"));
            assertThat(grant.get("object").asText()).isEqualTo("credit_grant");
            assertThat(grant.get("id").asText()).startsWith("credit_");
            assertThat(grant.get("amount_usd").decimalValue()).isEqualByComparingTo("0.0001");
            assertThat(grant.get("note").asText()).isEqualTo("trial");

            String body = chat("sim-mini", "\"max_tokens\":100");
            int passed = 0;
            HttpResponse<String> r;
            while ((r = gw.post("/v1/chat/completions", body, "x-sluice-sim", "tokens=100")).statusCode() == 200) {
                awaitUsage(gw, r);
                passed++;
                assertThat(passed).isLessThan(10);
            }
            assertQuotaError(r);
            assertThat(passed).isGreaterThanOrEqualTo(1);
            JsonNode budget = okJson(adminGet(gw, "/v1/organizations/" + orgId(gw) + "/budget"));
            assertThat(budget.get("credits_granted_usd").decimalValue()).isEqualByComparingTo("0.0001");
            assertThat(budget.get("credits_remaining_usd").decimalValue()).isEqualByComparingTo("0");
            assertThat(budget.get("quota_exhausted").asBoolean()).isTrue();

            okJson(adminPost(gw, grants, "{\"amount_usd\": 1}"));
            assertThat(gw.post("/v1/chat/completions", body).statusCode()).isEqualTo(200);
            assertThat(okJson(adminGet(gw, grants)).get("data")).hasSize(2);
        }
    }

    @Test
    void aMonthlyBudgetStartsAfreshAtTheStartOfTheUtcMonth() {
        clock.advance(Duration.between(clock.instant(), java.time.Instant.parse("2026-03-31T23:59:00Z")));
        try (TestGateway gw = gateway("quotas:\n  project_monthly_budget_usd: 0.00001\n")) {
            HttpResponse<String> first = gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "tokens=50");
            assertThat(first.statusCode()).isEqualTo(200);
            awaitUsage(gw, first);
            assertQuotaError(gw.post("/v1/chat/completions", chat("sim-mini", null)));
            JsonNode march = okJson(adminGet(gw, "/v1/organization/projects/" + projectId(gw) + "/budget"));
            assertThat(march.get("month").asText()).isEqualTo("2026-03");
            assertThat(march.get("monthly_budget_source").asText()).isEqualTo("default");

            clock.advance(Duration.ofMinutes(2));
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            JsonNode april = okJson(adminGet(gw, "/v1/organization/projects/" + projectId(gw) + "/budget"));
            assertThat(april.get("month").asText()).isEqualTo("2026-04");
        }
    }

    @Test
    void spendSurvivesARestartBecauseTheLedgerIsDrainedOnClose() {
        String extra = "quotas:\n  org_monthly_budget_usd: 0.00002\n  ledger_flush_ms: 600000\n";
        String org;
        long spent;
        try (TestGateway gw = gateway(extra)) {
            org = orgId(gw);
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "tokens=50");
            assertThat(r.statusCode()).isEqualTo(200);
            awaitUsage(gw, r);
            spent = cost(r);
            assertThat(gw.gateway.traffic().ledger().rowsWritten()).isZero(); // still queued: the flush is 10 min away
        }
        try (TestGateway again = gateway(extra)) {
            JsonNode budget = okJson(adminGet(again, "/v1/organizations/" + org + "/budget"));
            assertThat(nanos(budget.get("spend_this_month_usd"))).isEqualTo(spent);
            assertThat(nanos(budget.get("lifetime_spend_usd"))).isEqualTo(spent);
            assertQuotaError(again.post("/v1/chat/completions", chat("sim-mini", null)));
        }
    }

    @Test
    void theBudgetEndpointsValidateAndNameTheirOwner() {
        try (TestGateway gw = gateway("quotas:\n  project_monthly_budget_usd: 5\n")) {
            String path = "/v1/organization/projects/" + projectId(gw) + "/budget";
            JsonNode dflt = okJson(adminGet(gw, path));
            assertThat(dflt.get("object").asText()).isEqualTo("project.budget");
            assertThat(dflt.get("project_id").asText()).isEqualTo(projectId(gw));
            assertThat(dflt.get("monthly_budget_usd").decimalValue()).isEqualByComparingTo("5");
            assertThat(dflt.get("monthly_budget_source").asText()).isEqualTo("default");
            assertThat(dflt.get("credits_granted_usd").isNull()).isTrue();

            JsonNode own = okJson(adminPost(gw, path, "{\"monthly_budget_usd\": 12.5}"));
            assertThat(own.get("monthly_budget_usd").decimalValue()).isEqualByComparingTo("12.5");
            assertThat(own.get("monthly_budget_source").asText()).isEqualTo("own");
            JsonNode back = okJson(adminPost(gw, path, "{\"monthly_budget_usd\": null}"));
            assertThat(back.get("monthly_budget_source").asText()).isEqualTo("default");

            assertError(adminPost(gw, path, "{\"monthly_budget_usd\": -1}"), 400, "invalid_request_error",
                    "invalid_value", "monthly_budget_usd", false);
            assertError(adminPost(gw, path, "{\"monthly_budget_usd\": \"ten\"}"), 400, "invalid_request_error",
                    "invalid_type", "monthly_budget_usd", false);
            assertError(adminPost(gw, path, "{}"), 400, "invalid_request_error", null, "monthly_budget_usd", false);
            assertError(adminPost(gw, path, "{\"monthly_budget_usd\": 1, \"currency\": \"eur\"}"), 400,
                    "invalid_request_error", "unknown_parameter", "currency", false);
            assertError(adminGet(gw, "/v1/organization/projects/proj_missing/budget"), 404, "invalid_request_error",
                    "not_found", null, false);
            assertError(adminPost(gw, "/v1/organizations/org_missing/credit_grants", "{\"amount_usd\": 1}"), 404,
                    "invalid_request_error", "not_found", null, false);
            assertError(adminPost(gw, "/v1/organizations/" + orgId(gw) + "/credit_grants", "{\"note\": \"x\"}"), 400,
                    "invalid_request_error", null, "amount_usd", false);
        }
    }
}
