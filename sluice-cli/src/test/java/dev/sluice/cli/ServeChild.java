package dev.sluice.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code sluice serve --config <file>} in a JVM of its own (this test classpath), for tests that signal it. Collects
 * its merged output; {@link #start} returns once the banner's last line says it listens.
 */
final class ServeChild implements AutoCloseable {
    static final String DEMO_KEY = "sk-proj-serveChildDemoKey0123456789abcdefghijklmno";
    static final String ADMIN_TOKEN = "sk-admin-serveChildToken0123456789";
    static final Pattern READY = Pattern.compile("Sluice listening on (http://127\\.0\\.0\\.1:\\d+)");
    /**
     * How long a test waits for a state of the child (its banner, a reload, its exit): a bound for a hang, not a
     * speed. A JVM starting on a loaded 2-core machine took more than 60 s to print its banner.
     */
    static final long BOUND_SECONDS = 180;
    static final Pattern ADMIN = Pattern.compile("Admin\\s+(http://127\\.0\\.0\\.1:\\d+)");

    final Process process;
    final String base;
    final String admin;
    final List<String> output;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ServeChild(Process process, String base, String admin, List<String> output) {
        this.process = process;
        this.base = base;
        this.admin = admin;
        this.output = output;
    }

    static ServeChild start(Path config) throws Exception {
        return start(config, java.util.Map.of());
    }

    /** As {@link #start(Path)}, with {@code env} added to the child's environment. */
    static ServeChild start(Path config, java.util.Map<String, String> env) throws Exception {
        List<String> output = new CopyOnWriteArrayList<>();
        List<String> command = new java.util.ArrayList<>();
        // A test run started as a background job (a CI script's 'mvn test &') ignores SIGINT, and a JVM that starts
        // with SIGINT ignored keeps ignoring it (it installs no handler): Ctrl-C would never reach 'sluice serve'.
        // GNU env restores the default disposition for the child, which then installs its own handler.
        if (ignoresSigint()) command.addAll(List.of("env", "--default-signal=INT"));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SLUICE_DEMO_KEY", DEMO_KEY);
        pb.environment().put("SLUICE_ADMIN_TOKEN", ADMIN_TOKEN);
        pb.environment().remove("SLUICE_CONFIG");
        pb.environment().putAll(env);
        Process child = pb.start();
        CompletableFuture<String[]> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            String admin = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                    Matcher a = ADMIN.matcher(line);
                    if (a.find()) admin = a.group(1);
                    Matcher m = READY.matcher(line);
                    if (m.find()) ready.complete(new String[] {m.group(1), admin});
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("child exited: " + String.join("\n", output)));
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String[] urls = ready.get(BOUND_SECONDS, TimeUnit.SECONDS);
            return new ServeChild(child, urls[0], urls[1], output);
        } catch (Exception e) {
            child.destroyForcibly();
            throw e;
        }
    }

    /** Whether this JVM ignores SIGINT (bit 2 of SigIgn in /proc/self/status), as its children then do. */
    static boolean ignoresSigint() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 2) != 0;
            }
        } catch (java.io.IOException | RuntimeException e) {
            return false; // no procfs: nothing to correct
        }
        return false;
    }

    HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + (url.startsWith(admin) ? ADMIN_TOKEN : DEMO_KEY)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a signal by name (HUP, TERM, INT) with kill(1). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start();
        if (kill.waitFor() != 0) throw new IllegalStateException("kill -" + name + " failed");
    }

    String log() {
        return String.join("\n", output);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
