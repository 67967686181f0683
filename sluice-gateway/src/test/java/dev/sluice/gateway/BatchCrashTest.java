package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 in the middle of a batch: the gateway runs as a real child JVM, is killed with SIGKILL
 * ({@link Process#destroyForcibly()}) while lines are in flight, and is started again on the same data dir. The
 * batch resumes by itself and ends with every custom_id exactly once across the output and error files.
 */
class BatchCrashTest {
    static final int LINES = 3000;
    static final Pattern READY = Pattern.compile("Sluice listening on (http://127\\.0\\.0\\.1:\\d+)");
    /**
     * How long the test waits for the child to start or exit, or for a running batch to record one more line: bounds
     * for a hang, not speeds. The batch's whole run gets no bound of its own (a loaded machine may take minutes for
     * 3000 lines); it fails only when it stops moving.
     */
    static final Duration STALL = Duration.ofSeconds(180);
    @TempDir
    Path dir;

    /** A gateway child process and the HTTP target on its public port. */
    record Child(Process process, String base, HttpClient http) implements HttpTarget, AutoCloseable {
        static Child start(Path config, Path log) throws IOException {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(javaBin, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                    ChildGateway.class.getName(), config.toString()).redirectErrorStream(true).start();
            CompletableFuture<String> ready = new CompletableFuture<>();
            Thread drain = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                     var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                             StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        Matcher m = READY.matcher(line);
                        if (m.find()) ready.complete(m.group(1));
                        out.write(line);
                        out.newLine();
                    }
                } catch (IOException e) {
                    ready.completeExceptionally(e);
                }
                ready.completeExceptionally(new IllegalStateException("child exited before it was ready; see " + log));
            }, "child-output");
            drain.setDaemon(true);
            drain.start();
            try {
                String base = ready.get(STALL.toSeconds(), TimeUnit.SECONDS);
                return new Child(p, base, HttpClient.newHttpClient());
            } catch (Exception e) {
                p.destroyForcibly();
                throw new IllegalStateException("child gateway did not start: " + e.getMessage(), e);
            }
        }

        @Override
        public String url(String path) {
            return base + path;
        }

        @Override
        public HttpResponse<String> send(HttpRequest r) {
            try {
                return http.send(r, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** SIGKILL: no shutdown hook, no drain, no flush. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(STALL.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** Lines of the batch recorded so far, completed or failed. */
    static int recorded(JsonNode batch) {
        return batch.get("request_counts").get("completed").asInt() + batch.get("request_counts").get("failed").asInt();
    }

    /**
     * Polls the batch until {@code done} holds; fails only if the batch stops moving: no line recorded and no status
     * change for {@link #STALL}.
     */
    static JsonNode awaitMoving(HttpTarget gw, String id, java.util.function.Predicate<JsonNode> done) {
        JsonNode b = getBatch(gw, id);
        String seen = b.get("status").asText() + " " + recorded(b);
        long stalledAt = System.nanoTime() + STALL.toNanos();
        while (!done.test(b)) {
            if (System.nanoTime() > stalledAt) throw new AssertionError("the batch stopped moving: " + b);
            pause();
            b = getBatch(gw, id);
            String now = b.get("status").asText() + " " + recorded(b);
            if (!now.equals(seen)) {
                seen = now;
                stalledAt = System.nanoTime() + STALL.toNanos();
            }
        }
        return b;
    }

    @Test
    void aGatewayKilledMidBatchResumesItAfterRestartWithEveryCustomIdExactlyOnce() throws Exception {
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, "port: 0\nadmin_port: 0\ndata_dir: " + dir.resolve("data") + "\n"
                + "simulator:\n  tokens_per_second: 0\n"
                // A throughput test: limits far above what the batch needs (batch lines obey rate limits).
                + "limits:\n  defaults:\n    sim-mini:\n      organization: {rpm: 1000000, tpm: 1000000000}\n      project: {rpm: 1000000, tpm: 1000000000}\n");
        Path log = dir.resolve("child.log");
        StringBuilder in = new StringBuilder();
        Set<String> faulty = new HashSet<>();
        for (int i = 0; i < LINES; i++) {
            String id = "c" + i;
            boolean bad = i % 100 == 42;
            if (bad) faulty.add(id);
            in.append(chatLine(id, bad ? "status=400" : "delay_ms=5;tokens=1"));
        }

        String batchId;
        int doneAtKill;
        try (Child first = Child.start(config, log)) {
            batchId = createBatch(first, uploadBatchFile(first, in.toString()), "/v1/chat/completions").get("id").asText();
            JsonNode mid = awaitMoving(first, batchId, b -> b.get("request_counts").get("completed").asInt() >= LINES / 5);
            first.kill();
            doneAtKill = recorded(mid);
        }
        assertThat(doneAtKill).as("killed mid-batch").isLessThan(LINES);

        try (Child second = Child.start(config, log)) {
            JsonNode resumed = getBatch(second, batchId);
            assertThat(resumed.get("status").asText()).isIn("in_progress", "finalizing", "completed");
            int doneAfterRestart = recorded(resumed);
            assertThat(doneAfterRestart).as("what was recorded before the kill survives").isGreaterThanOrEqualTo(doneAtKill);

            JsonNode done = awaitMoving(second, batchId, terminal());
            assertThat(done.get("status").asText()).isEqualTo("completed");
            assertThat(done.get("request_counts").toString())
                    .isEqualTo("{\"total\":" + LINES + ",\"completed\":" + (LINES - faulty.size()) + ",\"failed\":"
                            + faulty.size() + "}");
            List<JsonNode> output = lines(second, done.get("output_file_id").asText());
            List<JsonNode> errors = lines(second, done.get("error_file_id").asText());
            assertThat(output.size() + errors.size()).isEqualTo(LINES);
            Map<String, JsonNode> all = resultsByCustomId(second, done); // fails on any custom_id seen twice
            assertThat(all).hasSize(LINES);
            Set<String> errorIds = new HashSet<>();
            errors.forEach(e -> errorIds.add(e.get("custom_id").asText()));
            assertThat(errorIds).isEqualTo(faulty);
            System.out.printf("crash test: killed at %d/%d lines recorded; resumed and completed%n", doneAtKill, LINES);
        }
    }
}
