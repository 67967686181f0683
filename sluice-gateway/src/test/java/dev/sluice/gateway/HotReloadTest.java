package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.DEMO_KEY;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hot reload over HTTP: {@code POST /v1/config/reload} on the admin port re-reads sluice.yaml with the start-up rules.
 * Models, deployments, provider settings and limit defaults change for the next request without a restart; limiter
 * counters carry over; an invalid file is refused with the start-up message and changes nothing; a stream that
 * started before a reload finishes on the config it started with.
 */
class HotReloadTest {
    @TempDir
    Path dir;
    TestGateway gw;
    Path file;

    static final String MINI = """
              - id: sim-mini
                family: sim-mini
                modality: chat
                context_window: 16384
                max_output_tokens: 4096
                tokenizer: o200k_base
                price: {input_per_1m: 0.15, output_per_1m: 0.60}
                deployments: [{name: sim, provider: sim}]
            """;
    static final String LARGE = MINI.replace("sim-mini", "sim-large");

    /** A config with the given models and sim-mini's project request limit (the org's is far above). */
    static String config(String models, long miniProjectRpm) {
        return "simulator: {tokens_per_second: 0}\nslow_down: {enabled: false}\nmodels:\n" + models
                + "limits:\n  defaults:\n    sim-mini:\n      organization: {rpm: 100000}\n      project: {rpm: "
                + miniProjectRpm + "}\n";
    }

    @BeforeEach
    void start() {
        gw = TestGateway.builder(dir).config(config(MINI + LARGE, 1000)).start();
        file = dir.resolve("sluice-test.yaml");
        // the environment the gateway started with (TestGateway's: the warm-up off)
        Map<String, String> env = Map.of("SLUICE_DEMO_KEY", DEMO_KEY, "SLUICE_SERVER_WARMUP_ENABLED", "false");
        gw.gateway.reloader().source(() -> ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null), env));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    /** Rewrites the config file as it would be on disk (ports and data dir as at start) and reloads it. */
    HttpResponse<String> reloadWith(String yaml) throws Exception {
        Files.writeString(file, "port: 0\nadmin_port: 0\ndata_dir: " + dir.resolve("data") + "\n" + yaml);
        return gw.admin("POST", "/v1/config/reload", null);
    }

    List<String> modelIds() throws Exception {
        JsonNode list = TestGateway.JSON.readTree(gw.request("GET", "/v1/models").body()).get("data");
        List<String> ids = new ArrayList<>();
        list.forEach(m -> ids.add(m.get("id").asText()));
        return ids;
    }

    @Test
    void aReloadAddsAModelWithItsDeploymentAndProviderSettingsForTheNextRequest() throws Exception {
        assertThat(TestGateway.assertError(gw.post("/v1/chat/completions", chat("sim-new", null)), 404,
                "invalid_request_error", "model_not_found", "model", false)).isNotNull();
        // A new model whose one deployment is a provider nobody listens on: the next request goes there.
        String unreachable = "http://127.0.0.1:9/v1";
        String newModel = MINI.replace("id: sim-mini", "id: sim-new").replace("family: sim-mini", "family: sim-new")
                .replace("[{name: sim, provider: sim}]", "[{name: ext, provider: openai, base_url: \"" + unreachable
                        + "\", model: sim-mini}]");
        HttpResponse<String> r = reloadWith(config(MINI + LARGE + newModel, 1000));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode applied = TestGateway.JSON.readTree(r.body());
        assertThat(applied.get("status").asText()).isEqualTo("applied");
        assertThat(applied.get("models_added").toString()).isEqualTo("[\"sim-new\"]");
        assertThat(applied.get("restart_required").size()).isZero();
        assertThat(modelIds()).contains("sim-new");
        TestGateway.assertError(gw.post("/v1/chat/completions", chat("sim-new", null)), 503, "server_error",
                "upstream_unavailable", null, true);

        // Changing the deployment's provider settings (base URL) applies to the next request.
        String fixed = newModel.replace(unreachable, gw.gateway.simulatorBaseUrl().orElseThrow());
        r = reloadWith(config(MINI + LARGE + fixed, 1000));
        assertThat(TestGateway.JSON.readTree(r.body()).get("models_changed").toString()).isEqualTo("[\"sim-new\"]");
        HttpResponse<String> ok = gw.post("/v1/chat/completions", chat("sim-new", null));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        // The deployment's rename (model: sim-mini) is what the upstream was asked for.
        assertThat(TestGateway.JSON.readTree(ok.body()).get("model").asText()).isEqualTo("sim-mini");
        assertThat(gw.adminOk("GET", "/v1/config", null).get("generation").asLong()).isEqualTo(3);
        // The same file again: nothing to apply.
        JsonNode again = TestGateway.JSON.readTree(reloadWith(config(MINI + LARGE + fixed, 1000)).body());
        assertThat(again.get("status").asText()).isEqualTo("unchanged");
        assertThat(again.get("generation").asLong()).isEqualTo(3);
    }

    @Test
    void aReloadRemovesAModelForTheNextRequest() throws Exception {
        assertThat(gw.post("/v1/chat/completions", chat("sim-large", null)).statusCode()).isEqualTo(200);
        HttpResponse<String> r = reloadWith(config(MINI, 1000));
        assertThat(TestGateway.JSON.readTree(r.body()).get("models_removed").toString()).isEqualTo("[\"sim-large\"]");
        TestGateway.assertError(gw.post("/v1/chat/completions", chat("sim-large", null)), 404,
                "invalid_request_error", "model_not_found", "model", false);
        assertThat(modelIds()).containsExactly("sim-mini");
    }

    @Test
    void aReloadChangesALimitDefaultAndTheLimiterKeepsItsCount() throws Exception {
        HttpResponse<String> r = reloadWith(config(MINI + LARGE, 3));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> ok = gw.post("/v1/chat/completions", chat("sim-mini", null));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-limit-requests")).hasValue("3");
        }
        // An unrelated change (another family's defaults): the two requests already counted stay counted.
        reloadWith(config(MINI + LARGE, 3).replace("limits:\n  defaults:\n",
                "limits:\n  defaults:\n    sim-large:\n      project: {rpm: 50}\n"));
        assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).headers()
                .firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        TestGateway.assertError(gw.post("/v1/chat/completions", chat("sim-mini", null)), 429, "requests",
                "rate_limit_exceeded", null, true);
        // Raising the default lets the next request through, against the same count.
        reloadWith(config(MINI + LARGE, 100));
        HttpResponse<String> ok = gw.post("/v1/chat/completions", chat("sim-mini", null));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.headers().firstValue("x-ratelimit-limit-requests")).hasValue("100");
        assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("96");
    }

    @Test
    void anInvalidFileIsRefusedWithTheStartUpMessageAndTheRunningConfigStays() throws Exception {
        String bad = config(MINI.replace("tokenizer: o200k_base", "tokenizer: o300k") + LARGE, 1000);
        Files.writeString(file, "port: 0\nadmin_port: 0\ndata_dir: " + dir.resolve("data") + "\n" + bad);
        String startUpMessage = null;
        try {
            ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null), Map.of());
        } catch (ConfigException e) {
            startUpMessage = e.getMessage();
        }
        assertThat(startUpMessage).startsWith("Invalid config: key 'models[0].tokenizer' unknown tokenizer 'o300k'");

        HttpResponse<String> r = gw.admin("POST", "/v1/config/reload", null);
        JsonNode err = TestGateway.assertError(r, 422, "invalid_request_error", "invalid_config", null, false);
        assertThat(err.get("message").asText())
                .isEqualTo("The config was not reloaded, the running config stays. " + startUpMessage);
        assertThat(modelIds()).containsExactly("sim-mini", "sim-large");
        assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
        assertThat(gw.adminOk("GET", "/v1/config", null).get("generation").asLong()).isEqualTo(1);
        String metrics = gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort()
                + "/metrics")).build()).body();
        assertThat(metrics).contains("sluice_config_reloads_total{result=\"refused\"} 1.0");
    }

    @Test
    void aKeyThatNeedsARestartIsReportedAndNotApplied() throws Exception {
        HttpResponse<String> r = reloadWith(config(MINI + LARGE, 1000) + "max_body_bytes: 1000\n");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(TestGateway.JSON.readTree(r.body()).get("restart_required").toString())
                .isEqualTo("[\"max_body_bytes\"]");
        // Still the start-up limit (10 MiB): a 2 kB body is accepted.
        String big = chat("sim-mini", "\"user\":\"" + "x".repeat(2000) + "\"");
        assertThat(gw.post("/v1/chat/completions", big).statusCode()).isEqualTo(200);
    }

    @Test
    void aStreamInFlightFinishesOnTheConfigItStartedWith() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(20)).header("authorization", "Bearer " + DEMO_KEY)
                .header("content-type", "application/json").header("x-sluice-sim", "tokens=20;tps=20")
                .POST(HttpRequest.BodyPublishers.ofString(chat("sim-large", "\"stream\":true"))).build();
        HttpResponse<InputStream> stream = gw.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String first = in.readLine();
            assertThat(first).startsWith("data: {");
            // The model goes away while its stream runs.
            HttpResponse<String> r = reloadWith(config(MINI, 1000));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            TestGateway.assertError(gw.post("/v1/chat/completions", chat("sim-large", null)), 404,
                    "invalid_request_error", "model_not_found", "model", false);
            StringBuilder rest = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) rest.append(line).append('\n');
            assertThat(rest.toString()).contains("\"finish_reason\":\"stop\"").endsWith("data: [DONE]\n\n")
                    .doesNotContain("\"error\"");
        }
    }

    @Test
    void theAdminReloadNeedsTheAdminToken() {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gw.gateway.adminPort() + "/v1/config/reload")).POST(HttpRequest.BodyPublishers.noBody()).build());
        TestGateway.assertError(r, 401, "invalid_request_error", "missing_api_key", null, false);
        assertThat(gw.gateway.reloader().snapshot().generation()).isEqualTo(1);
    }

    @Test
    void aReloadChangesTheSlowDownThresholdsAndTheProjectCountsCarryOver() throws Exception {
        String strict = config(MINI + LARGE, 1000).replace("slow_down: {enabled: false}",
                "slow_down: {enabled: true, floor_rpm: 3, factor: 1.0, ramp: 0}");
        // Slow Down must be on from the start (turning it on needs a restart): restart with it on, generous.
        gw.close();
        gw = TestGateway.builder(dir).config(strict.replace("floor_rpm: 3", "floor_rpm: 600")).start();
        Map<String, String> env = Map.of("SLUICE_DEMO_KEY", DEMO_KEY);
        gw.gateway.reloader().source(() -> ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null), env));
        for (int i = 0; i < 4; i++) {
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
        }
        // Four requests in the last minute, no baseline: above a floor of 3 they are a sudden jump.
        assertThat(reloadWith(strict).statusCode()).isEqualTo(200);
        TestGateway.assertError(gw.post("/v1/chat/completions", chat("sim-mini", null)), 503, "server_error",
                "slow_down", null, true);
        assertThat(reloadWith(strict.replace("floor_rpm: 3", "floor_rpm: 600")).statusCode()).isEqualTo(200);
        assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
    }
}
