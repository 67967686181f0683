package dev.sluice.bench.load;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./sluice bench load admission}: adaptive admission control under a step in upstream latency. For each
 * algorithm a fresh Sluice (full pipeline, admission control on its defaults but for {@code overload.algorithm}) in
 * front of the standalone simulator gets an open-loop constant rate of non-streaming chat completions whose upstream
 * delay ({@code metadata.sluice_sim: "delay_ms=N"}) steps through {@link Phases}; Sluice's admission gauges are
 * scraped from {@code /metrics} every interval and joined with the generator's answers per interval into an
 * {@link AdmissionTrace}.
 */
@Command(name = "admission", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Adaptive admission control under a step in upstream latency: Sluice (full pipeline, admission "
                + "control on its defaults with each --algorithms in turn) in front of the standalone simulator, an "
                + "open-loop constant --rate of non-streaming chat completions whose upstream delay steps through "
                + "--phases (the simulator's delay_ms directive), and every --sample-ms Sluice's admission limit, in "
                + "flight, queued and shed (from /metrics on its admin port) beside the generator's answered/s, 503s and "
                + "p50/p99 in that interval. Prints sparklines, a summary per phase and a table per algorithm; "
                + "--write-docs keeps them in docs/benchmarks.md."})
public final class AdmissionCommand implements Callable<Integer> {
    @ParentCommand
    LoadCommand parent;

    @Option(names = "--algorithms", split = ",", defaultValue = "gradient2,vegas",
            description = "overload.algorithm of each run, in order: gradient2, vegas, fixed (default: ${DEFAULT-VALUE})")
    List<String> algorithms;
    @Option(names = "--rate", defaultValue = "200",
            description = "requests per second sent, open loop, whatever the answers; rate × delay is the demand in flight (default ${DEFAULT-VALUE}: 100 at 500 ms, 300 at 1,500 ms)")
    double rate;
    @Option(names = "--phases", defaultValue = "500:10,1500:10,500:10",
            description = "upstream delay steps as DELAY_MS:SECONDS,... (default ${DEFAULT-VALUE}: 10 s at 500 ms, 10 s at +1,000 ms, 10 s back)")
    String phases;
    @Option(names = "--warmup", defaultValue = "10", description = "unrecorded seconds at the first phase's delay before the trace, so the limit has settled (default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--sample-ms", defaultValue = "500", description = "interval of the samples and of the table's rows, ms (default ${DEFAULT-VALUE})")
    int sampleMs;
    @Option(names = "--rate-connections", defaultValue = "0",
            description = "connections the generator may open; 0 = enough for the rate at the longest delay plus the queue's wait (default ${DEFAULT-VALUE})")
    int rateConnections;
    @Option(names = "--sluice-java-opts", defaultValue = "", description = "JVM options of the Sluice process")
    String sluiceJavaOpts;
    @Option(names = "--write-docs", arity = "0..1", fallbackValue = "docs/benchmarks.md",
            description = "write each algorithm's trace into this Markdown file (default docs/benchmarks.md), in the section <--section>-<algorithm>")
    Path writeDocs;
    @Option(names = "--section", defaultValue = "admission", description = "prefix of the generated sections' names (default ${DEFAULT-VALUE}: admission-gradient2, admission-vegas)")
    String section;
    @Option(names = "--label", description = "heading of the written sections, before the algorithm's name (default: \"Admission trace, <date>\")")
    String label;
    @Option(names = "--keep-work-dir", description = "keep the work directory (configs, logs of every child) after the run")
    boolean keepWorkDir;

    private final List<String> notes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Phases steps;
        try {
            steps = Phases.parse(phases);
        } catch (IllegalArgumentException e) {
            System.err.println("sluice bench load admission: --phases: " + e.getMessage());
            return 2;
        }
        for (String a : algorithms) {
            if (!List.of("gradient2", "vegas", "fixed").contains(a)) {
                System.err.println("sluice bench load admission: unknown algorithm '" + a + "' (gradient2, vegas, fixed)");
                return 2;
            }
        }
        if (!(rate > 0) || Double.isInfinite(rate) || warmup < 0 || sampleMs < 10 || rateConnections < 0) {
            System.err.println("sluice bench load admission: --rate must be positive, --warmup >= 0, --sample-ms >= 10");
            return 2;
        }
        Path home = Path.of(System.getProperty("sluice.home", ".")).toAbsolutePath().normalize();
        Path cliJar = home.resolve("sluice-cli/target/sluice-cli.jar");
        if (!Files.isRegularFile(cliJar)) {
            System.err.println("sluice bench load admission: " + cliJar + " is missing; build first (./sluice build)");
            return 2;
        }
        int maxDelay = steps.phases().stream().mapToInt(Phases.Phase::delayMs).max().orElse(0);
        int connections = rateConnections > 0 ? rateConnections : connectionsFor(rate, maxDelay);
        OptionalLong fdLimit = ProcessStats.maxOpenFiles(ProcessHandle.current().pid());
        if (fdLimit.isPresent() && connections + 200 > fdLimit.getAsLong()) {
            notes.add("the generator may open " + connections + " connections, but this process may open only "
                    + fdLimit.getAsLong() + " files (ulimit -n): expect 'too many open files' failures of the harness");
        }
        String givenWorkDir = System.getProperty("sluice.bench.workdir");
        Path workDir = givenWorkDir != null ? Files.createDirectories(Path.of(givenWorkDir))
                : Files.createTempDirectory("sluice-bench-admission-");
        Path pidFile = givenWorkDir == null ? null : workDir.resolve("children.pids");
        if (keepWorkDir) Files.writeString(workDir.resolve(".keep"), "kept by --keep-work-dir\n");
        String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        String loadBefore = Machine.loadAverage();
        Children children = new Children(workDir, pidFile, keepWorkDir ? null : () -> LoadCommand.deleteTree(workDir));
        Servers servers = new Servers(children, workDir, cliJar, new Servers.SluiceSettings(null, "", sluiceJavaOpts));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.min(2, Runtime.getRuntime().availableProcessors()))
                .setWorkerPoolSize(2));
        List<String[]> sections = new ArrayList<>(); // algorithm, markdown
        try {
            LoadCommand.log("work directory " + workDir + (keepWorkDir ? " (kept)" : " (removed at the end; --keep-work-dir keeps it)"));
            Servers.Server sim = servers.simulator();
            LoadCommand.log("simulator on port " + sim.port());
            for (String algorithm : algorithms) {
                String yaml = SluiceYaml.admission(sim.port(), algorithm);
                SluiceConfig.Overload overload = overloadOf(workDir, yaml);
                Servers.Server sluice = servers.sluiceWithConfig(LoadCommand.SLUICE, "sluice-" + algorithm, yaml, true);
                try {
                    probe(sluice);
                    String loadAtStart = Machine.loadAverage();
                    Run run = trace(vertx, sluice, algorithm, steps, connections);
                    String md = markdown(algorithm, overload, steps, connections, started, run, loadAtStart);
                    sections.add(new String[]{algorithm, md});
                } catch (RuntimeException | IOException e) {
                    LoadCommand.log(algorithm + ": not traced: " + e.getMessage().lines().findFirst().orElse(""));
                    System.err.println("sluice bench load admission: " + algorithm + " not traced: "
                            + e.getMessage().lines().findFirst().orElse(""));
                } finally {
                    children.stop(sluice.child());
                }
            }
        } finally {
            children.close();
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
        LoadCommand.log("load average " + loadBefore + " at the start, " + Machine.loadAverage() + " at the end");
        for (String[] s : sections) {
            System.out.println();
            System.out.println(s[1]);
        }
        if (writeDocs != null) {
            Path doc = writeDocs.isAbsolute() ? writeDocs : home.resolve(writeDocs);
            String text = Files.exists(doc) ? Files.readString(doc) : "";
            for (String[] s : sections) {
                String name = section + "-" + s[0];
                String heading = "#### " + (label == null ? "Admission trace, " + started : label) + ": `" + s[0] + "`\n\n";
                text = DocsSection.update(text, name, heading + s[1]);
                LoadCommand.log("wrote section '" + name + "' of " + doc);
            }
            Files.writeString(doc, text);
        }
        return 0;
    }

    /**
     * One request before the trace, so a misconfigured Sluice fails loudly; on a busy machine the first upstream
     * connection can take longer than Sluice waits for one (503 upstream_capacity), so a 5xx is retried a few times.
     */
    private static void probe(Servers.Server sluice) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                Servers.probe(sluice, BenchRequest.delayed(Servers.DEMO_KEY, 0));
                return;
            } catch (IllegalStateException e) {
                if (attempt >= 5 || !e.getMessage().contains(" with 5")) throw e;
                LoadCommand.log("probe: " + e.getMessage().lines().findFirst().orElse("") + "; again in 2 s");
                Thread.sleep(2_000);
            }
        }
    }

    /**
     * Enough connections that the generator never waits for one: the rate times the longest a request may take (the
     * longest delay, a full admission queue's wait of up to half a second, and a second of slack for the machine).
     */
    static int connectionsFor(double rate, int maxDelayMs) {
        return (int) Math.max(64, Math.ceil(rate * (maxDelayMs + 1_500) / 1_000.0));
    }

    /** The admission settings Sluice will run with, as Sluice itself reads the config (defaults filled in). */
    private static SluiceConfig.Overload overloadOf(Path workDir, String yaml) throws IOException {
        Path file = Files.createTempFile(workDir, "check-", ".yaml");
        try {
            Files.writeString(file, yaml);
            return ConfigLoader.load(new ConfigLoader.Flags(file, 0, 0, workDir.resolve("check-data").toString()),
                    Map.of(SluiceYaml.UPSTREAM_KEY_ENV, "sk-sim")).overload();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A finished trace: its figures, the generator's own result and how late the sampler scraped. */
    record Run(AdmissionTrace trace, RateResult generator, long maxSampleLagMicros, int failedScrapes, double sluiceCores) {
    }

    private Run trace(Vertx vertx, Servers.Server sluice, String algorithm, Phases steps, int connections) throws Exception {
        long interval = TimeUnit.MILLISECONDS.toNanos(sampleMs);
        int intervals = (int) Math.ceil(steps.totalNanos() / (double) interval);
        Buffer[] bodies = steps.phases().stream().map(p -> Buffer.buffer(BenchRequest.delayed(Servers.DEMO_KEY, p.delayMs()).body()))
                .toArray(Buffer[]::new);
        CompletableFuture<Long> clock = new CompletableFuture<>();
        IntervalStats[] stats = new IntervalStats[1];
        ConstantRate.Listener listener = new ConstantRate.Listener() {
            @Override
            public void started(long measureStartNanos) {
                stats[0] = new IntervalStats(measureStartNanos, interval, intervals);
                clock.complete(measureStartNanos);
            }

            @Override
            public void answered(long intendedNanos, long sentNanos, long doneNanos, int status, String failure) {
                stats[0].record(intendedNanos, sentNanos, doneNanos, status, failure);
            }
        };
        Sampler sampler = new Sampler(algorithm, steps, sluice.adminPort(), sluice.pid(), clock, interval, intervals);
        Thread samplerThread = Thread.ofPlatform().name("admission-sampler").start(sampler);
        LoadCommand.log(String.format(Locale.ROOT, "%s: %s req/s for %d s at %d ms (unrecorded), then phases %s; "
                        + "samples every %d ms; up to %d connections", algorithm, AdmissionTrace.number(rate), warmup,
                steps.phases().getFirst().delayMs(), steps.spec(), sampleMs, connections));
        RateResult result;
        try {
            result = ConstantRate.run(vertx, "127.0.0.1", sluice.port(), sluice.port(),
                    BenchRequest.delayed(Servers.DEMO_KEY, steps.phases().getFirst().delayMs()), rate,
                    Duration.ofSeconds(warmup), Duration.ofNanos(intervals * interval), connections,
                    new ConstantRate.Traffic(sinceStart -> bodies[steps.indexAt(sinceStart)], listener));
        } finally {
            clock.completeExceptionally(new IllegalStateException("the generator ended before it started"));
            samplerThread.join(TimeUnit.SECONDS.toMillis(30));
            samplerThread.interrupt();
        }
        AdmissionTrace trace = new AdmissionTrace(steps, rate, interval, sampler.points(), stats[0]);
        LoadCommand.log(String.format(Locale.ROOT, "%s: %.0f answered/s overall, %d × 2xx, failures: %s; generator late by"
                        + " up to %s", algorithm, result.achievedRate(), result.ok(), Report.causes(result.failures()),
                Report.micros(result.maxSendLagMicros())));
        return new Run(trace, result, sampler.maxLagMicros(), sampler.failed(), sampler.cores());
    }

    /** Scrapes Sluice's {@code /metrics} at every interval boundary from the trace's start, on a thread of its own. */
    private static final class Sampler implements Runnable {
        private final String algorithm;
        private final Phases steps;
        private final URI metrics;
        private final long pid;
        private final CompletableFuture<Long> clock;
        private final long interval;
        private final int intervals;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final List<AdmissionTrace.Point> points = new ArrayList<>();
        private volatile long maxLagNanos;
        private volatile int failed;
        private volatile double cores = Double.NaN;

        Sampler(String algorithm, Phases steps, int adminPort, long pid, CompletableFuture<Long> clock, long interval,
                int intervals) {
            this.algorithm = algorithm;
            this.steps = steps;
            this.metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
            this.pid = pid;
            this.clock = clock;
            this.interval = interval;
            this.intervals = intervals;
        }

        @Override
        public void run() {
            long start;
            try {
                start = clock.get();
            } catch (Exception e) {
                return;
            }
            long cpuAtStart = 0, wallAtStart = 0;
            for (int k = 0; k <= intervals; k++) {
                long due = start + k * interval;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                    if (Thread.currentThread().isInterrupted()) return;
                }
                maxLagNanos = Math.max(maxLagNanos, System.nanoTime() - due);
                if (k == 0) {
                    cpuAtStart = ProcessStats.treeCpuNanos(pid);
                    wallAtStart = System.nanoTime();
                } else if (k == intervals && cpuAtStart > 0) {
                    cores = (ProcessStats.treeCpuNanos(pid) - cpuAtStart) / (double) (System.nanoTime() - wallAtStart);
                }
                AdmissionTrace.Point p = scrape();
                synchronized (points) {
                    points.add(p);
                }
                LoadCommand.log(String.format(Locale.ROOT, "%s t=%s s, upstream delay %s: limit %s, in flight %s, queued %s, shed %s",
                        algorithm, AdmissionTrace.seconds(k * interval / 1e9), steps.label(steps.indexAt(k * interval)),
                        AdmissionTrace.number(p.limit()), AdmissionTrace.number(p.inFlight()),
                        AdmissionTrace.number(p.queued()), AdmissionTrace.number(p.shed())));
            }
        }

        private AdmissionTrace.Point scrape() {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics)
                        .timeout(Duration.ofNanos(Math.max(interval, TimeUnit.SECONDS.toNanos(1)))).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return AdmissionTrace.Point.of(PromText.parse(r.body()));
            } catch (IOException e) {
                // counted below: a missing point shows as a dash
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            failed++;
            return AdmissionTrace.Point.MISSING;
        }

        List<AdmissionTrace.Point> points() {
            synchronized (points) {
                return List.copyOf(points);
            }
        }

        long maxLagMicros() {
            return maxLagNanos / 1_000;
        }

        int failed() {
            return failed;
        }

        /** Sluice's CPU time during the trace over its length: the cores it used on average (NaN if unknown). */
        double cores() {
            return cores;
        }
    }

    private String markdown(String algorithm, SluiceConfig.Overload o, Phases steps, int connections, String started,
                            Run run, String loadAtStart) {
        StringBuilder s = new StringBuilder();
        s.append("Run: `").append(parent.commandLine()).append("` on ").append(started).append(".\n");
        s.append("Machine: ").append(Machine.describe(java.util.Optional.empty(), java.util.Optional.empty())).append(".\n\n");
        s.append(String.format(Locale.ROOT, "Sluice: `overload.algorithm: %s`, `initial_limit` %d, `min_limit` %d, `max_limit`"
                        + " %d, a queue of %d for %d ms (the product defaults but for the algorithm). Load: %s req/s open loop"
                        + " (non-streaming chat completions, `max_tokens` 16, up to %d connections), the upstream delay set per"
                        + " request by the simulator's `delay_ms` directive; %d s unrecorded at %d ms, then the phases `%s`"
                        + " (delay ms : seconds).%n%n",
                algorithm, o.initialLimit(), o.minLimit(), o.maxLimit(), o.queueSize(), o.queueTimeoutMs(),
                AdmissionTrace.number(rate), connections, warmup, steps.phases().getFirst().delayMs(), steps.spec()));
        s.append("```text\n").append(run.trace().sparklines()).append("```\n\n");
        s.append(run.trace().phaseTable()).append('\n');
        s.append(run.trace().table()).append('\n');
        s.append(run.trace().legend()).append("\n\n");
        List<String> n = new ArrayList<>(notes);
        RateResult g = run.generator();
        if (g.maxSendLagMicros() > 10_000) {
            n.add("The generator itself sent up to " + Report.micros(g.maxSendLagMicros()) + " late (a busy machine);"
                    + " the 2xx latencies include that lateness, since they are measured from the intended send time.");
        }
        if (g.peakInFlight() >= connections) {
            n.add("All " + connections + " generator connections were busy at the peak (--rate-connections): some"
                    + " requests waited in the generator, not in Sluice.");
        }
        if (run.failedScrapes() > 0) {
            n.add(run.failedScrapes() + " scrapes of /metrics failed (shown as —).");
        }
        if (run.maxSampleLagMicros() > sampleMs * 250L) {
            n.add("A scrape of /metrics started up to " + Report.micros(run.maxSampleLagMicros()) + " late (a busy machine).");
        }
        if (!Double.isNaN(run.sluiceCores())) {
            n.add(String.format(Locale.ROOT, "Sluice's process used %.2f cores on average during the trace (its CPU time"
                    + " over the trace's length).", run.sluiceCores()));
        }
        n.add("Load average " + loadAtStart + " at the start of this trace, " + Machine.loadAverage()
                + " at its end (1, 5, 15 min).");
        for (String line : n) s.append("- ").append(line).append('\n');
        return s.toString();
    }
}
