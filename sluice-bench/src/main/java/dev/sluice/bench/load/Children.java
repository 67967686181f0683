package dev.sluice.bench.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The child processes of a run (simulator, nginx, Sluice), each with its output in a log file of the work directory.
 * Every child and its descendants are killed by {@link #stop}, by {@link #close} and by a shutdown hook; the pids of
 * the running ones are also kept in a pid file, which the launcher's trap reads if this JVM dies without its hooks.
 */
public final class Children implements AutoCloseable {
    private final Path workDir;
    private final Path pidFile;
    private final List<Child> running = new ArrayList<>();
    private boolean closed;
    private final Runnable afterAll;
    private final Thread hook = new Thread(this::close, "bench-children-cleanup");

    /** {@code afterAll} runs once every child is gone (e.g. removing the work directory); null for nothing. */
    public Children(Path workDir, Path pidFile, Runnable afterAll) {
        this.workDir = workDir;
        this.pidFile = pidFile;
        this.afterAll = afterAll;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A started process; its combined stdout and stderr go to {@link #log}. */
    public record Child(String name, Process process, Path log) {
        public long pid() {
            return process.pid();
        }

        /** Waits until a line of the log matches; returns the match, or fails with the log's tail. */
        public Matcher await(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
                Matcher m = pattern.matcher(text);
                if (m.find()) return m;
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with status " + process.exitValue()
                            + " before it was ready; its output:\n" + tail(text));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " not ready after " + timeout.toSeconds() + " s; its output:\n"
                            + tail(text));
                }
                Thread.sleep(100);
            }
        }

        private static String tail(String text) {
            String[] lines = text.split("\n");
            return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 20), lines.length));
        }
    }

    public synchronized Child start(String name, List<String> command, Map<String, String> env) throws IOException {
        if (closed) throw new IllegalStateException("shutting down; not starting " + name);
        Path log = workDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).directory(workDir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        Child child = new Child(name, p, log);
        running.add(child);
        writePids();
        return child;
    }

    /** Ends a child and its descendants: SIGTERM, up to 10 s, then SIGKILL. */
    public void stop(Child child) {
        stop(child, java.time.Duration.ofSeconds(10));
    }

    /** Asks {@code child} (and its descendants) to end, and kills what is still running after {@code grace}. */
    public synchronized void stop(Child child, java.time.Duration grace) {
        running.remove(child);
        writePids();
        List<ProcessHandle> descendants = child.process().descendants().toList();
        child.process().destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!child.process().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) child.process().destroyForcibly();
        } catch (InterruptedException e) {
            child.process().destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** The pid file lists the children still running (so the launcher's trap never kills a recycled pid). */
    private void writePids() {
        if (pidFile == null) return;
        StringBuilder s = new StringBuilder();
        for (Child c : running) s.append(c.pid()).append('\n');
        try {
            Files.writeString(pidFile, s);
        } catch (IOException e) {
            System.err.println("[bench] could not write " + pidFile + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (Child c : List.copyOf(running)) stop(c);
        if (afterAll != null) afterAll.run();
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to; it finds nothing left to stop
            }
        }
    }

    /** A free loopback port (bound and released; a child binds it a moment later). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
