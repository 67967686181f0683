package dev.sluice.gateway;

import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.Project;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.adminPost;
import static dev.sluice.gateway.TrafficHarness.chatRequest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scripted mix of traffic over HTTP (success, stream, 400, 401, 429 rate, 429 quota, 503 overload, upstream 503
 * with retries, breaker open, stream error), then {@code /metrics} on the admin port holds exactly the expected
 * counts per label set and histograms with the expected sample counts.
 */
class MetricsOverHttpTest {
    @TempDir
    static Path dir;
    static TestGateway gw;
    static String text;
    static String otherProject;

    @BeforeAll
    static void runTheScript() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        String yaml = """
                overload:
                  algorithm: fixed
                  initial_limit: 1
                  min_limit: 1
                  max_limit: 1
                  queue_size: 0
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                  max_retry_after_ms: 500
                circuit_breaker:
                  failure_threshold: 1
                  open_ms: 600000
                limits:
                  defaults:
                    sim-large:
                      project: {rpm: 1}
                models:
                  - {id: sim-mini, family: sim-mini, modality: chat, context_window: 16384, max_output_tokens: 4096, tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: sim, provider: sim}]}
                  - {id: sim-large, family: sim-large, modality: chat, context_window: 16384, max_output_tokens: 4096, tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: sim, provider: sim}]}
                  - {id: m-dead, family: m-dead, modality: chat, context_window: 16384, max_output_tokens: 4096, tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: dead, provider: sim, model: sim-mini, base_url: "http://127.0.0.1:%d/v1"}]}
                """.formatted(deadPort);
        gw = TestGateway.builder(dir).config(yaml).start();
        String otherKey = otherProjectKey(gw);
        adminPost(gw, "/v1/organization/projects/" + otherProject + "/budget", "{\"monthly_budget_usd\": 0}");

        // success, stream
        assertThat(gw.post("/v1/chat/completions", chat("sim-mini", "\"max_tokens\":5")).statusCode()).isEqualTo(200);
        settle();
        HttpResponse<String> stream = gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"),
                "x-sluice-sim", "tokens=4");
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("[DONE]");
        settle();
        // 400 (not JSON), 401 (wrong key)
        assertError(gw.post("/v1/chat/completions", "{"), 400, "invalid_request_error", null, null, false);
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer sk-nope"),
                401, "invalid_request_error", "invalid_api_key", null, false);
        // 429 rate: sim-large allows one request a minute per project
        assertThat(gw.post("/v1/chat/completions", chat("sim-large", null)).statusCode()).isEqualTo(200);
        settle();
        assertError(gw.post("/v1/chat/completions", chat("sim-large", null)), 429, "requests",
                "rate_limit_exceeded", null, true);
        // 429 quota: the other project's budget is zero
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer " + otherKey),
                429, "insufficient_quota", "insufficient_quota", null, false);
        // 503 overload: one request holds the only slot, the next is shed
        CompletableFuture<HttpResponse<String>> held = gw.http.sendAsync(chatRequest(gw, chat("sim-mini", null),
                "x-sluice-sim", "delay_ms=600"), HttpResponse.BodyHandlers.ofString());
        RateLimitsTest.awaitInFlight(gw, 1);
        assertError(gw.post("/v1/chat/completions", chat("sim-mini", null)), 503, "server_error",
                "server_overloaded", null, true);
        assertThat(held.join().statusCode()).isEqualTo(200);
        settle();
        // upstream 503 on every attempt: three attempts, then the contract's answer
        HttpResponse<String> upstream503 = gw.post("/v1/chat/completions", chat("sim-mini", null),
                "x-sluice-sim", "status=503");
        assertThat(upstream503.statusCode()).isEqualTo(503);
        assertThat(upstream503.headers().firstValue("x-sluice-attempts")).contains("3");
        settle();
        // breaker: the dead deployment's first failure opens it; the next request finds it open (no attempt)
        HttpResponse<String> dead = gw.post("/v1/chat/completions", chat("m-dead", null));
        assertError(dead, 503, "server_error", "upstream_unavailable", null, true);
        settle();
        HttpResponse<String> open = gw.post("/v1/chat/completions", chat("m-dead", null));
        assertError(open, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(open.headers().firstValue("x-sluice-attempts")).contains("0");
        settle();
        // stream error: two chunks, then the in-band error event
        HttpResponse<String> broken = gw.post("/v1/chat/completions", chat("sim-mini", "\"stream\":true"),
                "x-sluice-sim", "stream_error_after=2");
        assertThat(broken.statusCode()).isEqualTo(200);
        assertThat(broken.body()).contains("\"error\"").doesNotContain("[DONE]");
        settle();
        text = scrape(gw);
    }

    @AfterAll
    static void stop() {
        if (gw != null) gw.close();
    }

    /** Waits until every request has left the gateway (its usage recorded, its admission slot released). */
    static void settle() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gw.gateway.inFlight().count() > 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("requests still in flight");
            Thread.onSpinWait();
        }
    }

    static String otherProjectKey(TestGateway gw) {
        AccessStore store = new AccessStore(gw.gateway.database(), Clock.systemUTC());
        Organization org = store.organizations().create("Metrics Other Org");
        Project p = store.projects().create(org.id(), "Metrics Other Project");
        otherProject = p.id();
        return store.apiKeys().create(KeySpec.unowned(p.id(), "other")).secret();
    }

    static String scrape(TestGateway gw) {
        return gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics"))
                .GET().build()).body();
    }

    /** Every series of {@code name}: its labels (as written, sorted by Micrometer) → value. */
    static Map<String, Double> series(String text, String name) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("#")) continue;
            if (!(line.startsWith(name + "{") || line.startsWith(name + " "))) continue;
            int sp = line.lastIndexOf(' ');
            String labels = line.startsWith(name + "{") ? line.substring(name.length() + 1, line.lastIndexOf('}')) : "";
            out.put(labels, Double.parseDouble(line.substring(sp + 1)));
        }
        return out;
    }

    /** The sum of the series of {@code name} whose labels include every {@code key="value"} given. */
    static double sum(String text, String name, String... labels) {
        double total = 0;
        outer:
        for (Map.Entry<String, Double> e : series(text, name).entrySet()) {
            for (int i = 0; i < labels.length; i += 2) {
                if (!(("," + e.getKey() + ",").contains("," + labels[i] + "=\"" + labels[i + 1] + "\","))) continue outer;
            }
            total += e.getValue();
        }
        return total;
    }

    @Test
    void everyRequestIsCountedOnceInTheHttpHistogramByRouteAndStatus() {
        String n = "http_server_request_duration_seconds_count";
        String route = "/v1/chat/completions";
        assertThat(sum(text, n, "http_route", route, "http_response_status_code", "200")).isEqualTo(5);
        assertThat(sum(text, n, "http_route", route, "http_response_status_code", "400")).isEqualTo(1);
        assertThat(sum(text, n, "http_route", route, "http_response_status_code", "401")).isEqualTo(1);
        assertThat(sum(text, n, "http_route", route, "http_response_status_code", "429")).isEqualTo(2);
        assertThat(sum(text, n, "http_route", route, "http_response_status_code", "503")).isEqualTo(4);
        assertThat(sum(text, n)).isEqualTo(13);
        // the +Inf bucket holds every sample, and the buckets resolve 100 µs to 60 s
        assertThat(sum(text, "http_server_request_duration_seconds_bucket", "le", "+Inf")).isEqualTo(13);
        assertThat(text).containsPattern("http_server_request_duration_seconds_bucket\\{[^}]*le=\"(1\\.0E-4|0\\.0001)\"")
                .containsPattern("http_server_request_duration_seconds_bucket\\{[^}]*le=\"60\\.0\"");
    }

    @Test
    void errorsAreCountedByContractCodeTypeStatusAndSide() {
        Map<String, Double> errors = series(text, "sluice_errors_total");
        assertThat(errors).containsOnly(
                Map.entry("code=\"invalid_request_error\",side=\"client\",status=\"400\",type=\"invalid_request_error\"", 1.0),
                Map.entry("code=\"invalid_api_key\",side=\"client\",status=\"401\",type=\"invalid_request_error\"", 1.0),
                Map.entry("code=\"rate_limit_exceeded\",side=\"client\",status=\"429\",type=\"requests\"", 1.0),
                Map.entry("code=\"insufficient_quota\",side=\"client\",status=\"429\",type=\"insufficient_quota\"", 1.0),
                Map.entry("code=\"server_overloaded\",side=\"gateway\",status=\"503\",type=\"server_error\"", 1.0),
                Map.entry("code=\"upstream_unavailable\",side=\"upstream\",status=\"503\",type=\"server_error\"", 3.0),
                // the stream that broke after its first event: in-band, so status 200
                Map.entry("code=\"bad_gateway\",side=\"upstream\",status=\"200\",type=\"server_error\"", 1.0));
        assertThat(sum(text, "sluice_rate_limited_total", "limit", "RPM", "scope", "project")).isEqualTo(1);
        assertThat(sum(text, "sluice_quota_refused_total")).isEqualTo(1);
        assertThat(sum(text, "sluice_admission_shed_total", "reason", "queue_full")).isEqualTo(1);
    }

    @Test
    void upstreamAttemptsAndRetriesAreCountedPerDeploymentAndOutcome() {
        // sim-mini/sim: success, stream, the held one (3 successes); 3 x 503; the broken stream
        assertThat(sum(text, "sluice_upstream_attempts_total", "model", "sim-mini", "deployment", "sim",
                "outcome", "success")).isEqualTo(3);
        assertThat(sum(text, "sluice_upstream_attempts_total", "model", "sim-large", "outcome", "success")).isEqualTo(1);
        assertThat(sum(text, "sluice_upstream_attempts_total", "model", "sim-mini", "outcome", "upstream_unavailable"))
                .isEqualTo(3);
        assertThat(sum(text, "sluice_upstream_attempts_total", "model", "m-dead", "deployment", "dead")).isEqualTo(1);
        assertThat(sum(text, "sluice_upstream_attempts_total")).isEqualTo(9);
        assertThat(sum(text, "sluice_upstream_retries_total", "model", "sim-mini", "deployment", "sim")).isEqualTo(2);
        assertThat(sum(text, "sluice_upstream_retries_total")).isEqualTo(2);
        assertThat(sum(text, "gen_ai_client_operation_duration_seconds_count")).isEqualTo(9);
        assertThat(sum(text, "gen_ai_client_operation_duration_seconds_count", "error_type", "",
                "server_address", "127.0.0.1", "gen_ai_provider_name", "sluice.sim")).isEqualTo(4);
        assertThat(sum(text, "gen_ai_client_token_usage_count", "gen_ai_token_type", "input")).isEqualTo(4);
        assertThat(sum(text, "gen_ai_client_token_usage_count", "gen_ai_token_type", "output")).isEqualTo(4);
        assertThat(sum(text, "sluice_circuit_breaker_state", "model", "m-dead", "deployment", "dead")).isEqualTo(2);
        assertThat(sum(text, "sluice_circuit_breaker_state", "model", "sim-mini", "deployment", "sim")).isEqualTo(0);
        assertThat(sum(text, "sluice_active_streams")).isZero();
    }

    @Test
    void genAiServerHistogramsCountModelRequestsAndStreamsTimeToFirstToken() {
        // model requests that resolved a model: everything but the 400 (no JSON) and the 401 (no caller yet)
        assertThat(sum(text, "gen_ai_server_request_duration_seconds_count")).isEqualTo(11);
        assertThat(sum(text, "gen_ai_server_request_duration_seconds_count", "error_type", "")).isEqualTo(4);
        assertThat(sum(text, "gen_ai_server_request_duration_seconds_count", "gen_ai_request_model", "m-dead",
                "error_type", "upstream_unavailable")).isEqualTo(2);
        // two streams started: the good one and the broken one
        assertThat(sum(text, "gen_ai_server_time_to_first_token_seconds_count")).isEqualTo(2);
        assertThat(sum(text, "gen_ai_server_time_to_first_token_seconds_count", "gen_ai_request_model", "sim-mini",
                "gen_ai_operation_name", "chat", "gen_ai_provider_name", "sluice.sim")).isEqualTo(2);
        assertThat(sum(text, "gen_ai_server_time_per_output_token_seconds_count")).isGreaterThanOrEqualTo(1);
    }

    /** Metric names in PromQL: the gateway's families (label names and functions never start with these). */
    private static final java.util.regex.Pattern METRIC = java.util.regex.Pattern.compile(
            "\\b((?:sluice|gen_ai|http_server|jvm|vertx|process)_[a-z0-9_]+)\\b(?!\\s*[=!~])");
    private static final java.util.regex.Pattern SELECTOR_LABEL =
            java.util.regex.Pattern.compile("[{,]\\s*([a-z_][a-z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final java.util.regex.Pattern GROUPING =
            java.util.regex.Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");

    /** Every metric an expression names is exported, and every label it selects or groups by is on one of them. */
    static void assertExported(String where, String expr) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        java.util.regex.Matcher m = METRIC.matcher(GROUPING.matcher(expr).replaceAll(" ").replaceAll("\\{[^}]*}", " "));
        while (m.find()) names.add(m.group(1));
        assertThat(names).as("metrics in %s", where).isNotEmpty();
        java.util.Set<String> labelsOnThem = new java.util.TreeSet<>();
        for (String name : names) {
            Map<String, Double> s = series(text, name);
            assertThat(s).as("%s uses %s, which the gateway does not export", where, name).isNotEmpty();
            for (String labels : s.keySet()) {
                java.util.regex.Matcher l = java.util.regex.Pattern.compile("([a-z_][a-z0-9_]*)=\"").matcher(labels);
                while (l.find()) labelsOnThem.add(l.group(1));
            }
        }
        java.util.Set<String> used = new java.util.TreeSet<>();
        java.util.regex.Matcher sl = SELECTOR_LABEL.matcher(expr);
        while (sl.find()) used.add(sl.group(1));
        java.util.regex.Matcher g = GROUPING.matcher(expr);
        while (g.find()) {
            for (String l : g.group(1).split(",")) if (!l.isBlank()) used.add(l.strip());
        }
        assertThat(labelsOnThem).as("labels of %s in %s", names, where).containsAll(used);
    }

    @Test
    void everyMetricAndLabelTheAlertRulesAndTheDashboardUseIsExportedAfterTraffic() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper yaml = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        com.fasterxml.jackson.databind.JsonNode rules = yaml.readTree(
                Path.of("..", "deploy", "prometheus", "sluice-alerts.yml").toFile());
        int alerts = 0;
        for (com.fasterxml.jackson.databind.JsonNode group : rules.get("groups")) {
            for (com.fasterxml.jackson.databind.JsonNode rule : group.get("rules")) {
                assertThat(rule.path("annotations").path("runbook").asText()).as(rule.get("alert").asText())
                        .startsWith("docs/errors.md#");
                assertExported("alert " + rule.get("alert").asText(), rule.get("expr").asText());
                alerts++;
            }
        }
        assertThat(alerts).isGreaterThanOrEqualTo(9);
        com.fasterxml.jackson.databind.JsonNode dashboard = TestGateway.JSON.readTree(
                Path.of("..", "deploy", "grafana", "sluice.json").toFile());
        int targets = 0;
        for (com.fasterxml.jackson.databind.JsonNode panel : dashboard.get("panels")) {
            for (com.fasterxml.jackson.databind.JsonNode t : panel.get("targets")) {
                assertExported("panel " + panel.get("title").asText(), t.get("expr").asText());
                targets++;
            }
        }
        assertThat(targets).isGreaterThanOrEqualTo(20);
    }

    @Test
    void perProjectRequestsAndJvmAndVertxSeriesAreExported() {
        assertThat(sum(text, "sluice_project_requests_total", "project", otherProject, "code", "insufficient_quota"))
                .isEqualTo(1);
        assertThat(sum(text, "sluice_project_requests_total", "code", "rate_limit_exceeded")).isEqualTo(1);
        assertThat(text).contains("jvm_memory_used_bytes").contains("jvm_gc_").contains("sluice_event_loop_lag_seconds")
                .contains("vertx_pool_").contains("sluice_ledger_lag_seconds")
                .contains("sluice_rate_limit_headroom_ratio{");
    }

    @Test
    void vertxPerRequestHttpSeriesAreOffByDefaultAndExportedWhenAskedFor() {
        assertThat(text).doesNotContain("vertx_http_server_").doesNotContain("vertx_http_client_");
        try (TestGateway on = TestGateway.builder(dir.resolve("vertx-http")).config("""
                observability: {vertx_http_metrics: true}
                models:
                  - {id: sim-mini, family: sim-mini, modality: chat, context_window: 16384, max_output_tokens: 4096, tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: sim, provider: sim}]}
                """).start()) {
            assertThat(on.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            assertThat(scrape(on)).contains("vertx_http_server_requests_total")
                    .contains("vertx_http_client_requests_total");
        }
    }
}
