package dev.sluice.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * {@code ./sluice bench load}: the systems side by side on loopback (see the package doc), one table at the end.
 * Every phase is bounded in time; every child process is killed at the end, on Ctrl-C and on failure.
 */
@Command(name = "sluice bench load", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = AdmissionCommand.class,
        description = {"Load harness: the bare simulator (direct), nginx proxy_pass and Sluice with the full pipeline, "
                + "side by side on loopback: wrk at 1 and N connections, constant-rate latency with coordinated-omission "
                + "correction, N concurrent streams, a cold start. Prints one table; --write-docs keeps it in docs/benchmarks.md.",
                "'sluice bench load admission' (see its --help) traces adaptive admission control under a step in upstream latency instead."})
public final class LoadCommand implements Callable<Integer> {
    static final String SLUICE = "sluice";
    static final String SLUICE_REDIS = "sluice-redis";
    static final String GENERATOR_BASIS = "generator";
    static final String WRK_BASIS = "wrk";

    @Option(names = "--systems", split = ",", defaultValue = "direct,nginx,floor-netty,floor-vertx,sluice",
            description = "systems to measure, in order: direct, nginx, sluice, sluice-redis, floor-vertx, floor-netty"
                    + " (the last two: a bare Vert.x or Netty proxy, what a JVM proxy with nothing in it gets here)"
                    + " (default: ${DEFAULT-VALUE})")
    List<String> systems;
    @Option(names = "--warmup", defaultValue = "5", description = "warm-up seconds per system, and for each constant-rate run (default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--warmup-max", defaultValue = "150", description = "after --warmup, a JVM system (the simulator, "
            + "Sluice) is warmed on in steps of 5 s until its JIT compilers use less than --settle-cores for a step, or "
            + "for at most this many seconds in all: its steady state, not its first minute (the cold-start run "
            + "measures that); 0 = only --warmup (default ${DEFAULT-VALUE})")
    int warmupMax;
    @Option(names = "--settle-cores", defaultValue = "0.1", description = "the warm-up ends when the JIT compiler "
            + "threads used less than this many cores over a 5 s step (default ${DEFAULT-VALUE})")
    double settleCores;
    @Option(names = "--aot", defaultValue = "auto", description = "auto: on JDK 25+ every Sluice starts from the "
            + "ahead-of-time cache ./sluice serve uses (recorded first when this build has none), as the launcher starts "
            + "it; off: without (default ${DEFAULT-VALUE})")
    String aot;
    @Option(names = "--duration", defaultValue = "10", description = "measured seconds per run (default ${DEFAULT-VALUE})")
    int duration;
    @Option(names = {"-c", "--connections"}, defaultValue = "64", description = "wrk connections of the throughput run (the latency run uses 1) (default ${DEFAULT-VALUE})")
    int connections;
    @Option(names = "--wrk-threads", defaultValue = "1", description = "wrk threads (default ${DEFAULT-VALUE})")
    int wrkThreads;
    @Option(names = "--rate-fraction", defaultValue = "0.8", description = "constant-rate run at this fraction of each system's own maximum (see --rate-basis); 0 = no constant-rate run (default ${DEFAULT-VALUE})")
    double rateFraction;
    @Option(names = "--rate-basis", defaultValue = "generator", description = "what --rate-fraction is a fraction of: "
            + "generator = the most the constant-rate generator itself gets out of the system in a closed loop of -c "
            + "connections (a rate the system can hold while this generator, dearer per request than wrk, shares the "
            + "machine); wrk = the wrk c=N throughput (default ${DEFAULT-VALUE})")
    String rateBasis;
    @Option(names = "--rate", description = "constant-rate run at this many requests/s for every system instead of a fraction")
    Double rate;
    @Option(names = "--rate-connections", defaultValue = "128", description = "connections the constant-rate generator may open (default ${DEFAULT-VALUE})")
    int rateConnections;
    @Option(names = "--streams", defaultValue = "10000", description = "concurrent streams in the streaming run; 0 = none (default ${DEFAULT-VALUE})")
    int streams;
    @Option(names = "--stream-systems", split = ",", defaultValue = "direct,sluice", description = "systems the streaming run goes through; direct shows what the simulator alone carries (default ${DEFAULT-VALUE})")
    List<String> streamSystems;
    @Option(names = "--stream-tokens", defaultValue = "100", description = "tokens per stream (default ${DEFAULT-VALUE})")
    int streamTokens;
    @Option(names = "--stream-tps", defaultValue = "20", description = "tokens per second of each stream (default ${DEFAULT-VALUE})")
    int streamTps;
    @Option(names = "--stream-ramp", defaultValue = "5", description = "seconds over which the streams are opened (default ${DEFAULT-VALUE})")
    int streamRamp;
    @Option(names = "--stream-retry-ms", defaultValue = "1000", description = "a worker whose stream failed waits this long before its next one (default ${DEFAULT-VALUE})")
    int streamRetryMs;
    @Option(names = "--cold-seconds", defaultValue = "10", description = "cold start: load a fresh Sluice for its first N seconds after it is ready; 0 = skip (default ${DEFAULT-VALUE})")
    int coldSeconds;
    @Option(names = "--cold-fraction", defaultValue = "0.5", description = "cold start rate: this fraction of the warm Sluice's c=N throughput (or --rate; 1000 req/s when neither was measured) (default ${DEFAULT-VALUE})")
    double coldFraction;
    @Option(names = "--cold-from", defaultValue = "ready", description = "cold start: begin the load when /health/ready is 200 (ready: after Sluice's warm-up) or as soon as the public port listens (port: as a load balancer that ignores readiness would) (default ${DEFAULT-VALUE})")
    String coldFrom;
    @Option(names = "--redis", description = "also measure Sluice with limits and idempotency in Redis (adds sluice-redis to --systems)")
    boolean redis;
    @Option(names = "--redis-url", defaultValue = "redis://127.0.0.1:6379", description = "Redis for sluice-redis (default ${DEFAULT-VALUE}; keys get a random prefix)")
    String redisUrl;
    @Option(names = "--sluice-config", description = "Sluice config template instead of the built-in one (SIMPORT stands for the simulator's port)")
    Path sluiceConfig;
    @Option(names = "--sluice-java-opts", defaultValue = "", description = "JVM options of the Sluice process (e.g. \"-Xmx2g\")")
    String sluiceJavaOpts;
    @Option(names = "--write-docs", arity = "0..1", fallbackValue = "docs/benchmarks.md", description = "write the table into this Markdown file (default docs/benchmarks.md), in the section --section")
    Path writeDocs;
    @Option(names = "--section", defaultValue = "latest", description = "name of the generated section in --write-docs (default ${DEFAULT-VALUE})")
    String section;
    @Option(names = "--label", description = "heading of the written section (default: \"./sluice bench load, <date>\")")
    String label;
    @Option(names = "--keep-work-dir", description = "keep the work directory (configs, logs of every child) after the run")
    boolean keepWorkDir;

    private final List<String> notes = new ArrayList<>();
    /** CPU of each measured system's processes per request at c=N, in µs (systems whose process the harness knows). */
    private final Map<String, Double> cpuPerRequest = new LinkedHashMap<>();
    private final List<String> lateGenerator = new ArrayList<>();
    private Path home;
    private Optional<Path> nginx = Optional.empty();
    private Optional<Wrk> wrk = Optional.empty();
    private Children children;
    private Servers servers;
    private Vertx vertx;

    private String[] args = new String[0];

    public static void main(String[] args) {
        LoadCommand command = new LoadCommand();
        command.args = args.clone();
        System.exit(new CommandLine(command).execute(args));
    }

    /** The command as typed, for the report ({@code ./sluice bench load} and the arguments, shell-quoted). */
    String commandLine() {
        StringBuilder s = new StringBuilder("./sluice bench load");
        for (String a : args) s.append(' ').append(quote(a));
        return s.toString();
    }

    private static String quote(String a) {
        return a.matches("[A-Za-z0-9_./=,:+@-]+") ? a : "'" + a.replace("'", "'\\''") + "'";
    }

    @Override
    public Integer call() throws Exception {
        List<String> order = new ArrayList<>(systems);
        if (redis && !order.contains(SLUICE_REDIS)) order.add(SLUICE_REDIS);
        for (String s : order) {
            if (!List.of(Report.DIRECT, Report.NGINX, SLUICE, SLUICE_REDIS, Report.FLOOR_VERTX, Report.FLOOR_NETTY).contains(s)) {
                System.err.println("sluice bench load: unknown system '" + s
                        + "' (direct, nginx, sluice, sluice-redis, floor-vertx, floor-netty)");
                return 2;
            }
        }
        if (warmup < 0 || warmupMax < 0 || !(settleCores >= 0) || duration < 1 || connections < 1 || streams < 0 || coldSeconds < 0 || rateFraction < 0
                || (rate != null && rate <= 0) || !List.of("ready", "port").contains(coldFrom) || streamTps < 1 || streamTokens < 1 || streamRetryMs < 0 || wrkThreads < 1 || !(coldFraction > 0)) {
            System.err.println("sluice bench load: durations, connections, rates and stream settings must be positive");
            return 2;
        }
        if (!List.of("auto", "off").contains(aot)) {
            System.err.println("sluice bench load: --aot is auto or off");
            return 2;
        }
        if (!List.of(GENERATOR_BASIS, WRK_BASIS).contains(rateBasis)) {
            System.err.println("sluice bench load: --rate-basis is generator or wrk");
            return 2;
        }
        home = Path.of(System.getProperty("sluice.home", ".")).toAbsolutePath().normalize();
        Path cliJar = home.resolve("sluice-cli/target/sluice-cli.jar");
        if (!Files.isRegularFile(cliJar)) {
            System.err.println("sluice bench load: " + cliJar + " is missing; build first (./sluice build)");
            return 2;
        }
        Optional<Path> wrkBinary = Servers.which("wrk");
        nginx = Servers.which("nginx", "/usr/sbin/nginx");
        if (wrkBinary.isEmpty()) {
            notes.add("wrk is not installed (Debian: apt-get install wrk): the c=1 and c=" + connections
                    + " columns are skipped" + (rate == null ? ", and so is the constant-rate run (it"
                    + " needs a measured maximum; give --rate N to run it anyway)" : ""));
        }
        if (nginx.isEmpty() && order.contains(Report.NGINX)) {
            notes.add("nginx is not installed (Debian: apt-get install nginx-light): the nginx row is skipped");
            order.remove(Report.NGINX);
        }
        // the launcher makes the work directory (and kills the children listed in its children.pids if this JVM dies)
        String givenWorkDir = System.getProperty("sluice.bench.workdir");
        Path workDir = givenWorkDir != null ? Files.createDirectories(Path.of(givenWorkDir))
                : Files.createTempDirectory("sluice-bench-load-");
        Path pidFile = givenWorkDir == null ? null : workDir.resolve("children.pids");
        if (keepWorkDir) Files.writeString(workDir.resolve(".keep"), "kept by --keep-work-dir\n");
        String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        String loadBefore = Machine.loadAverage();
        children = new Children(workDir, pidFile, keepWorkDir ? null : () -> deleteTree(workDir));
        servers = new Servers(children, workDir, cliJar,
                new Servers.SluiceSettings(sluiceConfig, redisUrl, sluiceJavaOpts));
        wrk = wrkBinary.map(b -> new Wrk(b, children, workDir, wrkThreads));
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.min(2, Runtime.getRuntime().availableProcessors()))
                .setWorkerPoolSize(2));
        List<SystemResult> results = new ArrayList<>();
        Map<String, StreamResult> streamResults = new LinkedHashMap<>();
        try {
            log("work directory " + workDir + (keepWorkDir ? " (kept)" : " (removed at the end; --keep-work-dir keeps it)"));
            Servers.Server sim = servers.simulator();
            int simPort = sim.port();
            log("simulator on port " + simPort);
            if (aot.equals("auto") && AotCache.supported() && (order.contains(SLUICE) || order.contains(SLUICE_REDIS))) {
                log("Sluice's ahead-of-time cache (as ./sluice serve starts it)");
                String how = servers.useAotCache(simPort);
                log(how);
                notes.add("AOT: " + how + ".");
            }
            if (order.contains(SLUICE) || order.contains(SLUICE_REDIS)) {
                List<String> heap = Servers.heapOpts(System.getProperty("sluice.serve.heap", ""), sluiceJavaOpts);
                notes.add("Sluice's heap: " + (heap.isEmpty() ? "the JVM's default or --sluice-java-opts"
                        : String.join(" ", heap) + ", as ./sluice serve starts it (a quarter of the memory, at most 1 GiB)")
                        + (sluiceJavaOpts.isBlank() ? "" : "; --sluice-java-opts " + sluiceJavaOpts) + ".");
            }
            for (String system : order) {
                try {
                    measure(system, sim, results, streamResults);
                } catch (RuntimeException | IOException e) {
                    notes.add(system + ": not measured: " + e.getMessage().lines().findFirst().orElse(""));
                    log(system + " failed: " + e.getMessage());
                }
            }
            if (coldSeconds > 0 && order.contains(SLUICE)) {
                try {
                    coldStart(simPort, results);
                } catch (RuntimeException | IOException e) {
                    notes.add("cold start: not measured: " + e.getMessage().lines().findFirst().orElse(""));
                }
            }
        } finally {
            children.close();
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                log("the load client did not close within 30 s (thousands of connections still closing); going on");
            }
        }
        if (!lateGenerator.isEmpty()) {
            notes.add("The constant-rate generator itself ran late (a busy machine: " + String.join(", ", lateGenerator)
                    + " at most); the corrected latencies include that lateness, since they are measured from the"
                    + " intended send time.");
        }
        if (!cpuPerRequest.isEmpty()) {
            List<String> each = new ArrayList<>();
            cpuPerRequest.forEach((sys, us) -> each.add(String.format(Locale.ROOT, "%s %.0f µs", sys, us)));
            notes.add("CPU a request at c=" + connections + " (the system's processes; the simulator's alone for direct,"
                    + " not included for the others): " + String.join(", ", each) + "."
                    + (cpuPerRequest.containsKey(SLUICE) && cpuPerRequest.containsKey(Report.FLOOR_VERTX)
                    ? String.format(Locale.ROOT, " Sluice's own work (the pipeline, its metrics, logs and ledger) is"
                            + " what it spends beyond the bare proxy on the same Vert.x layers: %.0f µs a request.",
                    cpuPerRequest.get(SLUICE) - cpuPerRequest.get(Report.FLOOR_VERTX)) : ""));
        }
        if (!settled.isEmpty()) {
            notes.add("Warm-up: " + warmup + " s of wrk (16 connections), then on in " + SETTLE_STEP_S + " s steps until"
                    + " the JIT compilers used < " + settleCores + " cores over a step (--warmup-max " + warmupMax
                    + " s): " + String.join("; ", settled) + ". The cold-start row measures the minutes before that.");
        }
        notes.add("Load average " + loadBefore + " at the start, " + Machine.loadAverage() + " at the end (1, 5, 15 min).");
        Report report = new Report(commandLine(), started, Machine.describe(wrkBinary.map(b -> Servers.version(b, "--version", "wrk")),
                nginx.map(b -> Servers.version(b, "-v", "nginx"))), connections, rate == null ? rateFraction : 0, rateBasis, results, streamResults, notes);
        String md = report.markdown();
        System.out.println();
        System.out.println(md);
        if (writeDocs != null) {
            Path doc = writeDocs.isAbsolute() ? writeDocs : home.resolve(writeDocs);
            String old = Files.exists(doc) ? Files.readString(doc) : "";
            String heading = "#### " + (label == null ? "`./sluice bench load`, " + started : label) + "\n\n";
            Files.writeString(doc, DocsSection.update(old, section, heading + md));
            log("wrote section '" + section + "' of " + doc);
        }
        return 0;
    }

    /** Seconds of settling (beyond --warmup) per system, and the compilers' share in the last step. */
    private final List<String> settled = new ArrayList<>();

    /**
     * Warms {@code system} on (wrk, 16 connections, steps of {@value #SETTLE_STEP_S} s) while its JIT compiler threads
     * keep more than {@code --settle-cores} busy, up to {@code --warmup-max} s of warm-up in all. A process without
     * compiler threads (nginx) is settled at once.
     */
    private void settle(String system, long pid, int port, BenchRequest request) throws Exception {
        if (warmupMax <= warmup || ProcessStats.compilerCpuNanos(pid) == 0) return;
        Settle.Outcome o = Settle.run(() -> wrk.orElseThrow().run(system + "-settle", 16, SETTLE_STEP_S, port, request),
                () -> ProcessStats.compilerCpuNanos(pid), System::nanoTime, SETTLE_STEP_S, 1, warmupMax - warmup,
                settleCores);
        String what = String.format(Locale.ROOT, "%s warmed %d s (JIT compilers at %.2f cores in the last %d s%s)",
                system, warmup + o.seconds(), o.compilerCores(), SETTLE_STEP_S,
                o.settled() ? "" : ": --warmup-max reached, not settled");
        log(what);
        settled.add(what);
    }

    /**
     * The constant-rate generator runs in this JVM, and its own code is compiled while it runs: a fresh generator
     * stalled for about a second in its first run (every answer ~1 s late while C2 compiled it; a second run in the
     * same JVM, even at twice the rate, did not), which the report read as the system's p99. So before its first
     * run (the closed loop, the constant rate or the cold start, whichever comes first) it drives the simulator,
     * unrecorded, at {@link #GENERATOR_WARM_RATE} in steps until this JVM's compilers are quiet (at least two steps,
     * at most {@code --warmup-max} or 60 s).
     */
    private void warmGenerator(int simPort, BenchRequest request) throws Exception {
        if (generatorWarmed || warmup == 0) return;
        generatorWarmed = true;
        long self = ProcessHandle.current().pid();
        if (ProcessStats.compilerCpuNanos(self) == 0) return;
        log("constant-rate generator: warming it against the simulator (" + (int) GENERATOR_WARM_RATE + " req/s, "
                + SETTLE_STEP_S + " s steps)");
        Settle.Outcome o = Settle.run(() -> ConstantRate.run(vertx, "127.0.0.1", simPort, simPort, request,
                        GENERATOR_WARM_RATE, Duration.ZERO, Duration.ofSeconds(SETTLE_STEP_S), rateConnections),
                () -> ProcessStats.compilerCpuNanos(self), System::nanoTime, SETTLE_STEP_S, 2,
                Math.max(2 * SETTLE_STEP_S, Math.min(warmupMax, 60)), settleCores);
        String what = String.format(Locale.ROOT, "the constant-rate generator warmed %d s against the simulator at"
                        + " %.0f req/s (its JIT compilers at %.2f cores in the last %d s%s)", o.seconds(),
                GENERATOR_WARM_RATE, o.compilerCores(), SETTLE_STEP_S, o.settled() ? "" : ", not settled");
        log(what);
        settled.add(what);
    }

    /** The generator's warm-up rate: well inside what the bare simulator serves here (30,000–45,000 req/s). */
    static final double GENERATOR_WARM_RATE = 10_000;

    private boolean generatorWarmed;

    static final int SETTLE_STEP_S = 5;

    private void measure(String system, Servers.Server sim, List<SystemResult> results,
                         Map<String, StreamResult> streamResults) throws Exception {
        Servers.Server server = switch (system) {
            case Report.DIRECT -> sim;
            case Report.NGINX -> servers.nginx(nginx.orElseThrow(), sim.port());
            case Report.FLOOR_VERTX -> servers.floor(system, "vertx", sim.port());
            case Report.FLOOR_NETTY -> servers.floor(system, "netty", sim.port());
            default -> servers.sluice(system, system, sim.port());
        };
        int port = server.port();
        try {
            BenchRequest request = BenchRequest.chat(Servers.DEMO_KEY);
            Servers.probe(server, request);
            WrkResult one = null, many = null;
            if (wrk.isPresent()) {
                if (warmup > 0) {
                    log(system + ": warm-up " + warmup + " s (wrk, 16 connections)");
                    wrk.get().run(system + "-warmup", 16, warmup, port, request);
                }
                settle(system, server.pid(), port, request);
                log(system + ": c=1 for " + duration + " s");
                one = wrk.get().run(system + "-c1", 1, duration, port, request);
                log(system + ": c=1 " + Wrk.summary(one));
                log(system + ": c=" + connections + " for " + duration + " s");
                long cpuBefore = ProcessStats.treeCpuNanos(server.pid());
                many = wrk.get().run(system + "-c" + connections, connections, duration, port, request);
                long cpu = ProcessStats.treeCpuNanos(server.pid()) - cpuBefore;
                if (many.requests() > 0 && cpu > 0) cpuPerRequest.put(system, cpu / 1000.0 / many.requests());
                log(system + ": c=" + connections + " " + Wrk.summary(many) + (many.requests() > 0 && cpu > 0
                        ? String.format(Locale.ROOT, ", CPU %.0f µs/request (%s, %.2f cores)", cpu / 1000.0 / many.requests(),
                        server == sim ? "simulator" : "this system's processes, simulator not included",
                        cpu / 1000.0 / many.durationMicros()) : ""));
            }
            SystemResult result = new SystemResult(system, one, many, null, null);
            Double target = null;
            if (rate != null) {
                target = rate;
            } else if (rateFraction > 0 && GENERATOR_BASIS.equals(rateBasis)) {
                warmGenerator(sim.port(), request);
                log(system + ": closed loop of the constant-rate generator, " + connections + " connections, "
                        + Math.min(warmup, 2) + " s unrecorded + " + duration + " s");
                ConstantRate.ClosedLoop max = ConstantRate.closedLoop(vertx, "127.0.0.1", port, request, connections,
                        Duration.ofSeconds(Math.min(warmup, 2)), Duration.ofSeconds(duration));
                log(system + String.format(Locale.ROOT, ": closed loop %.0f req/s, %d failed, generator CPU %.0f µs/request",
                        max.requestsPerSecond(), max.failed(), max.generatorCpuMicros()));
                notes.add(String.format(Locale.ROOT, "%s: most the constant-rate generator got in a closed loop of %d "
                                + "connections: %s req/s%s (its own CPU: %.0f µs per request); the constant rate is %.2f× that",
                        system, connections, Report.count(max.requestsPerSecond()), many == null ? ""
                                : " (wrk c=" + connections + ": " + Report.count(many.requestsPerSecond()) + ")",
                        max.generatorCpuMicros(), rateFraction));
                if (max.requestsPerSecond() > 0) target = Math.max(1, Math.floor(max.requestsPerSecond() * rateFraction));
            } else if (many != null && rateFraction > 0) {
                target = Math.max(1, Math.floor(many.requestsPerSecond() * rateFraction));
            }
            if (target != null) {
                warmGenerator(sim.port(), request);
                log(system + String.format(Locale.ROOT, ": constant rate %.0f req/s, %d s unrecorded + %d s", target,
                        Math.min(warmup, 2), duration));
                RateResult r = ConstantRate.run(vertx, "127.0.0.1", port, port, request, target,
                        Duration.ofSeconds(Math.min(warmup, 2)), Duration.ofSeconds(duration), rateConnections);
                log(system + String.format(Locale.ROOT, ": constant rate achieved %.0f req/s, p50 %s, p99 %s, p99.9 %s,"
                                + " uncorrected p99 %s, generator lag up to %s, %d failed", r.achievedRate(),
                        Report.micros(r.p50Micros()), Report.micros(r.p99Micros()), Report.micros(r.p999Micros()),
                        Report.micros(r.serviceP99Micros()), Report.micros(r.maxSendLagMicros()), r.failed()));
                if (r.achievedRate() < 0.95 * target) {
                    notes.add(String.format(Locale.ROOT, "%s: the constant-rate run did not hold %.0f req/s (%.0f answered"
                            + " per second%s): the latencies measure a growing queue", system, target, r.achievedRate(),
                            r.peakInFlight() >= rateConnections ? ", all " + rateConnections + " generator connections busy"
                                    + " (--rate-connections)" : ""));
                }
                if (r.maxSendLagMicros() > 10_000) lateGenerator.add(system + " " + Report.micros(r.maxSendLagMicros()));
                result = result.withRate(r);
            }
            results.add(result);
            if (streams > 0 && streamSystems.contains(system)) {
                streamResults.put(system, streams(system, port, server.pid()));
            }
        } finally {
            if (server != sim) children.stop(server.child());
        }
    }

    private StreamResult streams(String system, int port, long serverPid) throws Exception {
        OptionalLong ownLimit = ProcessStats.maxOpenFiles(ProcessHandle.current().pid());
        if (ownLimit.isPresent() && streams + 200 > ownLimit.getAsLong()) {
            notes.add("streams through " + system + ": " + streams + " streams need " + streams + " connections here, "
                    + "but this process may open at most " + ownLimit.getAsLong() + " files (ulimit -n): expect "
                    + "'too many open files' failures caused by the harness, not by " + system);
        }
        OptionalLong serverLimit = serverPid > 0 ? ProcessStats.maxOpenFiles(serverPid) : OptionalLong.empty();
        if (serverLimit.isPresent() && streams + 100 > serverLimit.getAsLong()) {
            notes.add("streams through " + system + ": " + streams + " client connections alone exceed its limit of "
                    + serverLimit.getAsLong() + " open files");
        }
        long streamSeconds = Math.max(1, (long) Math.ceil(streamTokens / (double) streamTps));
        StreamLoad.Plan plan = new StreamLoad.Plan(streams, Duration.ofSeconds(streamRamp), Duration.ofSeconds(duration),
                Duration.ofSeconds(2 * streamSeconds + 10), Duration.ofMillis(streamRetryMs));
        if (warmup > 0) {
            // the streaming path of the server (and of this client) is still cold after the plain-request runs
            int warmStreams = Math.min(streams, 64);
            log(system + ": streaming warm-up " + warmup + " s (" + warmStreams + " unpaced streams)");
            StreamLoad.run(vertx, "127.0.0.1", port, BenchRequest.stream(Servers.DEMO_KEY, streamTokens, 0),
                    new StreamLoad.Plan(warmStreams, Duration.ZERO, Duration.ofSeconds(warmup), Duration.ofSeconds(10),
                            Duration.ofMillis(streamRetryMs)),
                    () -> { });
        }
        log(String.format(Locale.ROOT, "%s: %d streams of %d tokens at %d tokens/s, opened over %d s, for %d s",
                system, streams, streamTokens, streamTps, streamRamp, duration));
        OptionalLong[] peak = {OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty()};
        StreamLoad.Counts c = StreamLoad.run(vertx, "127.0.0.1", port, BenchRequest.stream(Servers.DEMO_KEY, streamTokens, streamTps),
                plan, () -> {
                    if (serverPid <= 0) return;
                    peak[1] = ProcessStats.rss(serverPid);
                    peak[2] = ProcessStats.openFiles(serverPid);
                    peak[0] = ProcessStats.heapAfterFullGc(serverPid);
                    log(system + ": at the peak: heap after full GC " + Report.bytes(peak[0]) + ", RSS "
                            + Report.bytes(peak[1]) + ", open files " + (peak[2].isPresent() ? peak[2].getAsLong() : "?"));
                });
        StreamResult r = new StreamResult(streams, c.peakOpen(), c.completed(), c.failures(), c.ttfbP50Millis(),
                c.ttfbP99Millis(), c.durationP99Millis(), peak[0], peak[1], peak[2], serverLimit);
        if (peak[2].isPresent() && serverLimit.isPresent() && peak[2].getAsLong() >= serverLimit.getAsLong() * 95 / 100) {
            notes.add("streams through " + system + ": it had " + peak[2].getAsLong() + " files open at the peak, at its"
                    + " limit of " + serverLimit.getAsLong() + ": failures may come from the limit, not the code");
        }
        if (c.failures().keySet().stream().anyMatch(k -> k.startsWith("too many open files"))) {
            notes.add("streams through " + system + ": this harness ran out of file descriptors (ulimit -n); the "
                    + "failures it counts as 'too many open files' are its own, not " + system + "'s");
        }
        log(system + ": streams completed " + r.completed() + ", failed " + r.failed() + " ("
                + Report.causes(r.failures()) + ")");
        return r;
    }

    private void coldStart(int simPort, List<SystemResult> results) throws Exception {
        String system = SLUICE;
        Optional<SystemResult> warm = results.stream().filter(r -> r.system().equals(system)).findFirst();
        double coldRate = rate != null ? rate
                : warm.map(SystemResult::many).filter(w -> w.requests() > 0)
                        .map(w -> Math.max(1, Math.floor(w.requestsPerSecond() * coldFraction))).orElse(1_000.0);
        warmGenerator(simPort, BenchRequest.chat(Servers.DEMO_KEY)); // the cold instance is measured, not the generator
        long t0 = System.nanoTime();
        Servers.Server server = servers.sluice(system, "sluice-cold", simPort, coldFrom.equals("ready"));
        int port = server.port();
        try {
            long readyMs = (System.nanoTime() - t0) / 1_000_000;
            log(String.format(Locale.ROOT, "cold start: %s after %d ms; at once %.0f req/s for %d s (open loop)",
                    coldFrom.equals("ready") ? "ready" : "port listening", readyMs, coldRate, coldSeconds));
            RateResult first = ConstantRate.run(vertx, "127.0.0.1", port, simPort, BenchRequest.chat(Servers.DEMO_KEY), coldRate,
                    Duration.ZERO, Duration.ofSeconds(coldSeconds), rateConnections);
            log(String.format(Locale.ROOT, "cold start: %.0f answered/s, p50 %s, p99 %s, p99.9 %s, max %s, %d failed",
                    first.achievedRate(), Report.micros(first.p50Micros()), Report.micros(first.p99Micros()),
                    Report.micros(first.p999Micros()), Report.micros(first.maxMicros()), first.failed()));
            SystemResult.ColdStart cold = new SystemResult.ColdStart(readyMs, first, coldSeconds);
            if (coldFrom.equals("port")) {
                notes.add("cold start: the load began as soon as the public port listened (--cold-from port), without"
                        + " waiting for /health/ready (the warm-up): 'ready after' is the time to the listening port");
            }
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).system().equals(system)) {
                    results.set(i, results.get(i).withCold(cold));
                    return;
                }
            }
            results.add(new SystemResult(system, null, null, null, cold));
        } finally {
            children.stop(server.child());
        }
    }

    static void log(String line) {
        System.err.println("[bench] " + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("HH:mm:ss"))
                + " " + line);
    }

    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
