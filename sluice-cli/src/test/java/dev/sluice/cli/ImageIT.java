package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OCI image tarball Jib wrote (pre-integration-test), read as a registry or a runtime would: the index, the
 * manifest, the config and every layer (digests checked). Its entrypoint, user, exposed ports, volume and default
 * config must agree with the gateway's real configuration loaded from the image itself; then its file system is
 * unpacked and the entrypoint run in a chroot as the image's user, where it must answer /health/ready and a chat request.
 */
class ImageIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DEMO_KEY = "sk-proj-imageDemoKey0123456789abcdefghijklmnopqrs";

    @TempDir
    static Path dir;
    static Path layout;
    static Path rootfs;
    static JsonNode config;

    @BeforeAll
    static void unpack() throws Exception {
        Path tar = Path.of(System.getProperty("sluice.image"));
        assertThat(tar).as("built by jib:buildTar before the integration tests").isRegularFile();
        layout = Files.createDirectories(dir.resolve("layout"));
        assertThat(new ProcessBuilder("tar", "xf", tar.toString(), "-C", layout.toString()).inheritIO().start().waitFor()).isZero();
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        JsonNode manifest = blobJson(index.at("/manifests/0/digest").asText());
        assertThat(manifest.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        config = blobJson(manifest.at("/config/digest").asText());
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        JsonNode diffIds = config.at("/rootfs/diff_ids");
        JsonNode layers = manifest.get("layers");
        assertThat(layers.size()).isEqualTo(diffIds.size()).isGreaterThanOrEqualTo(3);
        for (int i = 0; i < layers.size(); i++) {
            Path blob = blob(layers.get(i).get("digest").asText());
            assertThat(sha256(blob, false)).as("layer %d compressed digest", i).isEqualTo(layers.get(i).get("digest").asText());
            assertThat(sha256(blob, true)).as("layer %d diff_id", i).isEqualTo(diffIds.get(i).asText());
            assertThat(new ProcessBuilder("tar", "xzf", blob.toString(), "-C", rootfs.toString()).inheritIO().start()
                    .waitFor()).isZero();
        }
    }

    @Test
    void theImageRunsTheGatewayAsANonRootUserWithContainerJvmFlags() throws IOException {
        JsonNode c = config.get("config");
        String user = c.get("User").asText();
        assertThat(user).isEqualTo("10001:10001");
        assertThat(Files.readAllLines(rootfs.resolve("etc/passwd"))).anyMatch(l -> l.startsWith("sluice:x:10001:10001:"));

        List<String> entrypoint = strings(c.get("Entrypoint"));
        Path java = rootfs.resolve(entrypoint.getFirst().substring(1));
        assertThat(Files.getPosixFilePermissions(java)).contains(PosixFilePermission.OTHERS_EXECUTE);
        assertThat(Files.readAllLines(java.getParent().getParent().resolve("release")))
                .anyMatch(l -> l.matches("JAVA_VERSION=\"(2[1-9]|[3-9]\\d)[.\"].*"));
        assertThat(entrypoint).contains("-XX:+ExitOnOutOfMemoryError").anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage="))
                .contains("-XX:InitialRAMPercentage=25")
                .endsWith(Main.class.getName());
        assertThat(strings(c.get("Cmd"))).containsExactly("serve");
        String classpathFile = entrypoint.get(entrypoint.indexOf("-cp") + 1);
        assertThat(classpathFile).startsWith("@");
        for (String entry : Files.readString(rootfs.resolve(classpathFile.substring(2))).strip().split(":")) {
            String path = entry.endsWith("/*") ? entry.substring(0, entry.length() - 2) : entry;
            assertThat(rootfs.resolve(path.substring(1))).as("classpath entry %s", entry).exists();
        }
        assertThat(rootfs.resolve("lib64/ld-linux-x86-64.so.2")).as("the runtime's loader").exists();
    }

    @Test
    void portsVolumeAndDefaultConfigAgreeWithTheGatewaysConfiguration() {
        JsonNode c = config.get("config");
        SluiceConfig cfg = imageConfig(Map.of());
        List<String> ports = new ArrayList<>();
        c.get("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertThat(ports).containsExactlyInAnyOrder(cfg.port() + "/tcp", cfg.adminPort() + "/tcp");
        assertThat(cfg.host()).isEqualTo("0.0.0.0");
        assertThat(c.get("Volumes").has(cfg.dataDir())).as("data_dir %s is a volume", cfg.dataDir()).isTrue();
        assertThat(cfg.simulator().faults()).as("no fault injection in a deployed image").isFalse();
        assertThat(c.at("/Labels/dev.sluice.health.ready").asText()).isEqualTo("http://:" + cfg.adminPort() + "/health/ready");
    }

    /**
     * The unpacked image run with chroot (and fresh mount and PID namespaces, so /proc is the container's own) as
     * the image's user: the only way to run it without a container daemon. Needs root, as the suite has on these
     * machines; a container runtime does the same.
     */
    @Test
    void theUnpackedImageServesAChatRequestWhenRunAsItsUser() throws Exception {
        assertThat(new ProcessBuilder("id", "-u").start().inputReader().readLine())
                .as("running the image without a daemon needs root (chroot, mknod)").isEqualTo("0");
        Files.createDirectories(rootfs.resolve("proc"));
        Path dev = Files.createDirectories(rootfs.resolve("dev"));
        for (String[] node : new String[][] {{"null", "3"}, {"zero", "5"}, {"random", "8"}, {"urandom", "9"}}) {
            assertThat(new ProcessBuilder("mknod", "-m", "666", dev.resolve(node[0]).toString(), "c", "1", node[1])
                    .inheritIO().start().waitFor()).isZero();
        }
        int publicPort = freePort();
        int adminPort = freePort();
        JsonNode c = config.get("config");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child=SIGTERM",
                "--mount-proc=" + rootfs.resolve("proc"), Files.exists(Path.of("/usr/sbin/chroot")) ? "/usr/sbin/chroot" : "chroot", "--userspec=" + c.get("User").asText(),
                rootfs.toString()));
        cmd.addAll(strings(c.get("Entrypoint")));
        cmd.addAll(strings(c.get("Cmd")));
        cmd.addAll(List.of("--port", String.valueOf(publicPort), "--admin-port", String.valueOf(adminPort)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().clear();
        for (String e : strings(c.get("Env"))) pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        pb.environment().put("SLUICE_DEMO_KEY", DEMO_KEY);
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Xmx256m");
        Process p = pb.start();
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Boolean> listening = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    if (line.startsWith("Sluice listening on")) listening.complete(true);
                }
            } catch (IOException ignored) {
                // ended
            }
            listening.complete(false);
        });
        HttpClient http = HttpClient.newHttpClient();
        try {
            assertThat(listening.get(90, TimeUnit.SECONDS)).as("started; output: %s", output).isTrue();
            // the image warms up before it is ready (server.warmup, bounded by max_ms): live at once, ready after
            HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                    + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);
            HttpResponse<String> ready = null;
            for (int polls = 0; polls < 600 && (ready == null || ready.statusCode() != 200); polls++) {
                if (ready != null) {
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(ready.body()).contains("\"status\":\"warming_up\"");
                    Thread.sleep(100);
                }
                ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                        + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            }
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + publicPort
                            + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                    .header("authorization", "Bearer " + DEMO_KEY).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"sim-mini\",\"messages\":"
                            + "[{\"role\":\"user\",\"content\":\"Hello from the image\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(JSON.readTree(chat.body()).at("/choices/0/message/content").asText()).isNotBlank();
            Path db = rootfs.resolve(imageConfig(Map.of()).dataDir().substring(1)).resolve("sluice.db");
            assertThat(db).as("state in the data volume").exists();
            assertThat(Files.getOwner(db).getName()).as("written by the image's user").isIn("10001", "sluice");
        } finally {
            // unshare ignores SIGTERM while it waits; the container's PID 1 (java) gets it, as from a runtime's stop
            p.descendants().forEach(ProcessHandle::destroy);
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(Duration.ofSeconds(10));
            assertThat(ended).as("stopped on SIGTERM; output: %s", output).isTrue();
        }
    }

    /** The config the container starts with: its default file and environment through the real loader. */
    static SluiceConfig imageConfig(Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>();
        for (String e : strings(config.at("/config/Env"))) env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        env.putAll(extraEnv);
        String file = env.get("SLUICE_CONFIG");
        assertThat(file).as("the image names its config file").isNotNull();
        env.put("SLUICE_CONFIG", rootfs.resolve(file.substring(1)).toString());
        return ConfigLoader.load(ConfigLoader.Flags.none(), env);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Path blob(String digest) {
        return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    static JsonNode blobJson(String digest) throws Exception {
        Path b = blob(digest);
        assertThat(sha256(b, false)).isEqualTo(digest);
        return JSON.readTree(b.toFile());
    }

    static String sha256(Path file, boolean gunzip) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = new DigestInputStream(gunzip ? new GZIPInputStream(raw) : raw, md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }
}
