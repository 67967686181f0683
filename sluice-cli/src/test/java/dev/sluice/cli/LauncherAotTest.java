package dev.sluice.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The project launcher ({@code ./sluice}) and its ahead-of-time cache: the first {@code serve} of a build records the
 * cache, and one started while that recording runs must not record too (two recordings share the JVM's working files
 * and the second fails at exit). Runs a copy of the launcher in an empty project whose "build" is a probe jar
 * ({@link LauncherProbe}) that prints the JVM options it got.
 */
class LauncherAotTest {
    @TempDir
    Path root;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopProbes() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void aServeStartedWhileTheCacheIsBeingRecordedRunsWithoutRecordingAndTheNextOneUsesTheCache() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the launcher records an AOT cache on JDK 25 and newer only");
        Path launcher = root.resolve("sluice");
        Files.copy(Path.of("..", "sluice"), launcher);
        assertThat(launcher.toFile().setExecutable(true)).isTrue();
        Path target = Files.createDirectories(root.resolve("sluice-cli/target"));
        probeJar(target.resolve("sluice-cli.jar"));
        Files.createFile(target.resolve(".build-stamp")); // newer than the jar: the launcher does not build

        Path release = root.resolve("release");
        Process recording = serve(launcher, release);
        String recordingArgs = probeArgs(recording);
        assertThat(recordingArgs).contains("-XX:AOTCacheOutput=" + target.resolve("sluice.aot"))
                .containsPattern(" -Xms\\d+m "); // the launcher's heap default (docs/operations.md#memory)

        Process meanwhile = serve(launcher, null);
        String meanwhileArgs = probeArgs(meanwhile);
        assertThat(meanwhile.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(meanwhileArgs).doesNotContain("AOTCacheOutput").doesNotContain("AOTCache=");
        assertThat(meanwhile.exitValue()).isZero();
        Files.createFile(release); // the recording JVM exits now and writes the cache

        assertThat(recording.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(recording.exitValue()).isZero();
        assertThat(target.resolve("sluice.aot")).isNotEmptyFile();

        Process next = serve(launcher, null);
        assertThat(probeArgs(next)).contains("-XX:AOTCache=" + target.resolve("sluice.aot"));
        assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(next.exitValue()).isZero();
    }

    /** {@code ./sluice serve} of the copy; its probe stays up until {@code release} exists (null: exits at once). */
    private Process serve(Path launcher, Path release) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "serve").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        if (release != null) env.put("PROBE_WAIT_FOR", release.toString());
        else env.remove("PROBE_WAIT_FOR");
        env.remove("SLUICE_AOT");
        env.remove("SLUICE_JAVA_OPTS");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** The options line the probe printed; the rest of its output is drained in the background. */
    private static String probeArgs(Process p) throws Exception {
        CompletableFuture<String> args = new CompletableFuture<>();
        StringBuilder seen = new StringBuilder();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (seen) {
                        seen.append(line).append('\n');
                    }
                    if (line.startsWith("PROBE-ARGS ")) args.complete(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
            synchronized (seen) {
                args.complete("(no probe line) " + seen);
            }
        });
        return args.get(60, TimeUnit.SECONDS);
    }

    private static void probeJar(Path jar) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m);
             InputStream in = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
            j.putNextEntry(new JarEntry(entry));
            in.transferTo(j);
            j.closeEntry();
        }
    }
}
