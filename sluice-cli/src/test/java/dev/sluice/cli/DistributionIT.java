package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The release tarball (built in pre-integration-test) unpacked into an empty directory and started the way an operator
 * would: a clean environment with only {@code JAVA_HOME} and a {@code PATH} of basic shell tools (no {@code mvn},
 * no {@code java}), the embedded default config, ephemeral ports. It must answer a chat request with the demo key,
 * and stop on SIGTERM.
 */
class DistributionIT {
    static final String DEMO_KEY = "sk-proj-distDemoKey0123456789abcdefghijklmnopqrstu";
    static final Pattern LISTENING = Pattern.compile("Sluice listening on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void theUnpackedTarballServesAChatRequestWithOnlyAJavaRuntime() throws Exception {
        Path home = unpack();
        for (String f : List.of("bin/sluice", "sluice-cli.jar", "sluice.yaml", "README.md", "docs/operations.md",
                "deploy/k8s/base/kustomization.yaml")) {
            assertThat(home.resolve(f)).as(f).exists();
        }
        assertThat(Files.isExecutable(home.resolve("bin/sluice"))).isTrue();

        Path bin = shellToolsOnly();
        Path work = Files.createDirectories(dir.resolve("work"));
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/sluice").toString(), "serve", "--port", "0",
                "--admin-port", "0", "--data-dir", work.resolve("data").toString())
                .directory(work.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", bin.toString());
        env.put("HOME", work.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SLUICE_DEMO_KEY", DEMO_KEY);
        env.put("SLUICE_JAVA_OPTS", "-Xmx256m -Dsluice.dist.test=yes");
        Process p = pb.start();
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) port.complete(Integer.parseInt(m.group(1)));
                }
            } catch (IOException ignored) {
                // the process ended
            }
            port.complete(-1);
        });
        try {
            int publicPort = port.get(90, TimeUnit.SECONDS);
            assertThat(publicPort).as("started; output: %s", output).isPositive();

            List<String> jvmArgs = p.toHandle().info().arguments().map(List::of).orElse(List.of());
            assertThat(jvmArgs).as("the launcher execs java with the container-safe flags and SLUICE_JAVA_OPTS")
                    .contains("-XX:+ExitOnOutOfMemoryError", "-Xmx256m", "-Dsluice.dist.test=yes");
            assertThat(p.toHandle().info().command().orElse(""))
                    .startsWith(Path.of(System.getProperty("java.home")).toRealPath().toString());

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + publicPort + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(30))
                    .header("authorization", "Bearer " + DEMO_KEY).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"sim-mini\",\"messages\":"
                            + "[{\"role\":\"user\",\"content\":\"Hello from the tarball\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(r.body());
            assertThat(body.get("object").asText()).isEqualTo("chat.completion");
            assertThat(body.at("/choices/0/message/content").asText()).isNotBlank();
            assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
            assertThat(work.resolve("data/sluice.db")).as("the embedded default keeps SQLite under --data-dir").exists();
        } finally {
            p.destroy();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            reader.join(Duration.ofSeconds(10));
            assertThat(ended).as("stopped on SIGTERM; output: %s", output).isTrue();
        }
    }

    /**
     * Without a heap size in SLUICE_JAVA_OPTS the launcher starts the heap at a quarter of the memory, at most 1 GiB
     * (G1 left to start small runs a young generation too small for the load); with one, it adds nothing.
     */
    @Test
    void theLauncherSizesTheHeapUnlessTheOperatorDoes() throws Exception {
        Path home = unpack();
        long memory = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        long expected = Math.min(1024L << 20, (memory >> 20) / 4 << 20);
        assertThat(flags(home, "-XX:+PrintCommandLineFlags")).contains("-XX:InitialHeapSize=" + expected + " ")
                .contains("-XX:MinHeapSize=" + expected + " ");
        String sized = flags(home, "-Xmx256m -XX:+PrintCommandLineFlags");
        assertThat(sized).contains("-XX:MaxHeapSize=268435456 ").doesNotContain("-XX:MinHeapSize=" + expected + " ");
    }

    /** What {@code bin/sluice --version} prints with {@code SLUICE_JAVA_OPTS} set to {@code opts}. */
    private String flags(Path home, String opts) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/sluice").toString(), "--version")
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", shellToolsOnly().toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SLUICE_JAVA_OPTS", opts);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private Path unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("sluice.dist"));
        assertThat(tarball).as("built before the integration tests").isRegularFile();
        assertThat(new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", dir.toString()).inheritIO().start()
                .waitFor()).isZero();
        return dir.resolve("sluice-" + System.getProperty("sluice.version"));
    }

    /** A directory of links to the few tools the launcher uses: no java, no mvn. */
    private Path shellToolsOnly() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("sh", "bash", "dirname", "readlink", "awk", "cut", "pwd")) {
            for (String d : List.of("/usr/bin", "/bin")) {
                Path t = Path.of(d, tool);
                if (Files.isExecutable(t) && !Files.exists(bin.resolve(tool))) Files.createSymbolicLink(bin.resolve(tool), t);
            }
        }
        assertThat(bin.resolve("mvn")).doesNotExist();
        assertThat(bin.resolve("java")).doesNotExist();
        return bin;
    }
}
