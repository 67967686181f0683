package dev.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice serve} and its process interface: SIGHUP reloads the config file (a refused file is logged and the
 * running config stays), {@code reload.watch} reloads on an edit, {@code log.format: text} writes lines for people,
 * Ctrl-C (SIGINT) drains and exits 0, and a second SIGTERM ends a drain at once.
 */
class ServeSignalsTest {
    @TempDir
    Path dir;

    static final String MODEL = """
              - id: %s
                family: %s
                modality: chat
                context_window: 16384
                max_output_tokens: 4096
                tokenizer: %s
                price: {input_per_1m: 0.15, output_per_1m: 0.60}
                deployments: [{name: sim, provider: sim}]
            """;

    String config(String extra, String... models) {
        // No warm-up: it is not what these tests are about, and its seconds of requests at start-up take CPU from
        // everything the test waits for on a loaded machine (WarmUpTest and ImageIT test it). The first request to
        // the simulator opens its h2c connection: on a loaded machine that took longer than wait_ms + connect_ms
        // (4 s), answered 503 upstream_capacity; connecting gets room.
        StringBuilder sb = new StringBuilder("port: 0\nadmin_port: 0\ndata_dir: " + dir.resolve("data") + "\n"
                + "shutdown: {drain_ms: 2000}\nserver: {warmup: {enabled: false}}\n"
                + "upstream_pool: {wait_ms: 60000}\nupstream_timeouts: {connect_ms: 30000}\n" + extra + "models:\n");
        for (String m : models) {
            String tokenizer = m.endsWith("!") ? "o300k" : "o200k_base"; // "!" marks an invalid model
            String id = m.replace("!", "");
            sb.append(MODEL.formatted(id, id, tokenizer));
        }
        return sb.toString();
    }

    /**
     * Polls {@code condition} (a child process's state) until it holds or {@link ServeChild#BOUND_SECONDS} have
     * passed: a bound for a hang, not a speed (200 polls of 50 ms were too few on a loaded machine).
     */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ServeChild.BOUND_SECONDS);
        while (true) {
            if (condition.getAsBoolean()) return true;
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
    }

    static String metrics(ServeChild c) {
        try {
            return c.get(c.admin + "/metrics").body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean lists(ServeChild c, String model) {
        try {
            return c.get(c.base + "/v1/models").body().contains("\"id\":\"" + model + "\"");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sighupReloadsTheFileARefusedFileKeepsTheRunningConfigAndCtrlCDrainsToExitZero() throws Exception {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, config("log: {format: text}\n", "sim-mini"));
        try (ServeChild c = ServeChild.start(file)) {
            assertThat(lists(c, "sim-new")).isFalse();
            Files.writeString(file, config("log: {format: text}\n", "sim-mini", "sim-new"));
            c.signal("HUP");
            assertThat(eventually(() -> lists(c, "sim-new"))).as(c.log()).isTrue();

            Files.writeString(file, config("log: {format: text}\n", "sim-mini", "sim-bad!"));
            c.signal("HUP");
            assertThat(eventually(() -> c.log().contains("config reload (SIGHUP) refused, the running config stays: "
                    + "Invalid config: key 'models[1].tokenizer' unknown tokenizer 'o300k'"))).as(c.log()).isTrue();
            assertThat(lists(c, "sim-new")).isTrue();
            assertThat(eventually(() -> metrics(c).contains("sluice_config_reloads_total{result=\"refused\"} 1.0")))
                    .as(metrics(c)).isTrue();
            assertThat(metrics(c)).contains("sluice_config_reloads_total{result=\"refused\"} 1.0")
                    .contains("sluice_config_reloads_total{result=\"applied\"} 1.0");

            // log.format: text — the banner and the log lines read as text, no JSON object per line.
            // log lines reach the output after what they report can be seen over HTTP: wait for them
            assertThat(eventually(() -> c.output.stream().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  "
                    + "ConfigReloader  config reloaded \\(SIGHUP\\): generation 2, models added \\[sim-new].*"))))
                    .as(c.log()).isTrue();
            assertThat(eventually(() -> c.output.stream().anyMatch(l -> l.contains(" INFO  access  GET /v1/models 200  "
                    + "request_id=req_")))).as(c.log()).isTrue();
            assertThat(c.output).noneMatch(l -> l.startsWith("{"));
            assertThat(c.log()).contains("Demo key    the value of SLUICE_DEMO_KEY");

            c.signal("INT");
            assertThat(c.process.waitFor(ServeChild.BOUND_SECONDS, TimeUnit.SECONDS)).as(c.log()).isTrue();
            assertThat(c.process.exitValue()).as(c.log()).isZero();
            assertThat(c.log()).contains("drained: every request finished");
        }
    }

    @Test
    void withReloadWatchAnEditedFileIsReloadedWithoutASignal() throws Exception {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, config("log: {format: json}\nreload: {watch: true}\n", "sim-mini"));
        try (ServeChild c = ServeChild.start(file)) {
            Files.writeString(file, config("log: {format: json}\nreload: {watch: true}\n", "sim-mini", "sim-new"));
            assertThat(eventually(() -> lists(c, "sim-new"))).as(c.log()).isTrue();
            assertThat(eventually(() -> c.log().contains("config reloaded (config file changed)"))).as(c.log()).isTrue();
            // JSON logs: the banner went to stderr and every log line is a JSON object.
            assertThat(c.output).filteredOn(l -> l.contains("config reloaded")).allMatch(l -> l.startsWith("{"));
        }
    }

    @Test
    void aSecondSigtermEndsTheDrainAtOnceWithTheInBandErrorAndStillWritesTheLedger() throws Exception {
        Path file = dir.resolve("sluice.yaml");
        // A ten-minute drain: the process can only be gone within the test's wait if the second signal cut it.
        Files.writeString(file, config("log: {format: json}\n", "sim-mini")
                .replace("shutdown: {drain_ms: 2000}", "shutdown: {drain_ms: 600000}"));
        try (ServeChild c = ServeChild.start(file)) {
            java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(c.base
                            + "/v1/chat/completions")).timeout(java.time.Duration.ofSeconds(ServeChild.BOUND_SECONDS))
                    .header("authorization", "Bearer " + ServeChild.DEMO_KEY)
                    .header("content-type", "application/json").header("x-sluice-sim", "tokens=100000;tps=5")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"sim-mini\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
            var stream = c.http.send(req, java.net.http.HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.statusCode()).isEqualTo(200);
            String requestId = stream.headers().firstValue("x-request-id").orElseThrow();
            var lines = stream.body().iterator();
            assertThat(lines.next()).startsWith("data: {");
            c.signal("TERM");
            assertThat(eventually(() -> c.log().contains("draining: readiness is false"))).as(c.log()).isTrue();
            c.signal("TERM");
            String last = null;
            while (lines.hasNext()) {
                String l = lines.next();
                if (!l.isEmpty()) last = l;
            }
            assertThat(last).contains("\"code\":\"server_shutting_down\"");
            assertThat(c.process.waitFor(ServeChild.BOUND_SECONDS, TimeUnit.SECONDS)).as(c.log()).isTrue();
            assertThat(c.process.exitValue()).isZero();
            try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/sluice.db"));
                 var st = db.prepareStatement("SELECT error_code FROM usage_ledger WHERE request_id = ?")) {
                st.setString(1, requestId);
                var rs = st.executeQuery();
                assertThat(rs.next()).as("ledger row of " + requestId).isTrue();
                assertThat(rs.getString(1)).isEqualTo("server_shutting_down");
            }
        }
    }
}
