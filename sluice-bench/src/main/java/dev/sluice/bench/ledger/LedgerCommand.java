package dev.sluice.bench.ledger;

import dev.sluice.bench.load.Machine;
import dev.sluice.protocol.RequestIds;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.quota.LedgerStore;
import dev.sluice.gateway.quota.SpendBook;
import dev.sluice.gateway.quota.UsageLedger;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.gateway.usage.UsageRecord;
import dev.sluice.gateway.usage.UsageSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * {@code ./sluice bench ledger}: the usage ledger writer (the real {@link UsageLedger} on a real {@link Database})
 * driven with N usage records, on SQLite and on PostgreSQL, beside the writer as it was before ({@link BeforeLedger})
 * in the same run. Per store and writer it reports the writer's maximum rows/s and its thread's CPU per row
 * (ThreadMXBean), and at a constant rate (default 10,000 records/s) the share of one core the writer thread used, the
 * largest lag ({@code lagSeconds}, sampled) and the caller's CPU per {@code record} call.
 */
@Command(name = "sluice bench ledger", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Usage ledger writer: rows/s, CPU per row and lag, on SQLite and PostgreSQL, before vs after.")
public final class LedgerCommand implements Callable<Integer> {
    @Option(names = "--stores", split = ",", defaultValue = "sqlite,postgres", description = "stores (default ${DEFAULT-VALUE})")
    List<String> stores;
    @Option(names = "--writers", split = ",", defaultValue = "before,after", description = "writers (default ${DEFAULT-VALUE})")
    List<String> writers;
    @Option(names = "--rows", defaultValue = "100000", description = "records of the max-throughput run (default ${DEFAULT-VALUE})")
    int rows;
    @Option(names = "--warmup-rows", defaultValue = "30000", description = "records written first, unmeasured (JIT) (default ${DEFAULT-VALUE})")
    int warmupRows;
    @Option(names = "--rate", defaultValue = "10000", description = "records/s of the constant-rate run (default ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--seconds", defaultValue = "10", description = "seconds of the constant-rate run (default ${DEFAULT-VALUE})")
    int seconds;
    @Option(names = "--flush-ms", defaultValue = "250", description = "quotas.ledger_flush_ms (default ${DEFAULT-VALUE})")
    long flushMs;
    @Option(names = "--batch-size", defaultValue = "5000", description = "quotas.ledger_batch_size of the after writer (default ${DEFAULT-VALUE}, the default now)")
    int batchSize;
    @Option(names = "--before-batch-size", defaultValue = "500", description = "quotas.ledger_batch_size of the before writer (default ${DEFAULT-VALUE}, the default then)")
    int beforeBatchSize;
    @Option(names = "--pg-url", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test", description = "PostgreSQL (a random schema, dropped at the end) (default ${DEFAULT-VALUE})")
    String pgUrl;
    @Option(names = "--pg-user", defaultValue = "postgres")
    String pgUser;
    @Option(names = "--pg-password-env", description = "variable holding the PostgreSQL password")
    String pgPasswordEnv;
    @Option(names = "--ids", defaultValue = "ordered", description = "request ids: ordered (time first, as the gateway makes them since the ledger branch) or random (32 random hex digits, as before) (default ${DEFAULT-VALUE})")
    String ids;

    @Option(names = "--prefill", defaultValue = "0", description = "rows written into the table first, unmeasured, with the same kind of ids (a ledger that has been running a while) (default ${DEFAULT-VALUE})")
    int prefill;

    @Option(names = "--pause", defaultValue = "0", description = "seconds to pause before each measured phase (to attach jcmd JFR.start) (default ${DEFAULT-VALUE})")
    int pause;

    static final ModelCatalog CATALOG = new ModelCatalog(List.of(new ModelSpec("sim-mini", "sim-mini", Modality.CHAT,
            128_000, 4096, "o200k_base", 0.15, 0.60, List.of(new Deployment("sim", "sim", null, null, null, 1)), 0)));

    /** One writer under test: the sink, its thread's name, and its progress. */
    record Writer(UsageSink sink, String threadName, int batchSize, LongSupplier rowsWritten, java.util.function.DoubleSupplier lag) {}

    /** What one (store, writer) pair measured. */
    record Result(String store, String writer, double maxRowsPerSec, double cpuNsPerRowMax, double cpuCoreAtRate,
                  double cpuNsPerRowAtRate, double maxLagSeconds, double callerNsPerRecord, long rowsInTable) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new LedgerCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!mx.isCurrentThreadCpuTimeSupported()) throw new IllegalStateException("thread CPU time is not supported here");
        mx.setThreadCpuTimeEnabled(true);
        String started = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        String loadBefore = Machine.loadAverage();
        List<Result> results = new ArrayList<>();
        for (String store : stores) {
            for (String writer : writers) {
                Result r = measure(store, writer, mx);
                results.add(r);
                System.out.println(row(r));
            }
        }
        System.out.println();
        System.out.println("ledger writer, " + started + ", " + Machine.describe(Optional.empty(), Optional.empty()));
        System.out.println("load average " + loadBefore + " at the start, " + Machine.loadAverage() + " at the end");
        System.out.println("flush " + flushMs + " ms, batch " + beforeBatchSize + " (before) / " + batchSize + " (after), max-throughput run " + rows
                + " records, constant rate " + rate + "/s for " + seconds + " s; request ids " + ids
                + (prefill > 0 ? String.format(Locale.ROOT, ", %,d rows in the table first", prefill) : ""));
        System.out.println();
        System.out.println(header());
        for (Result r : results) System.out.println(row(r));
        return 0;
    }

    static String header() {
        return "| store | writer | max rows/s | writer CPU/row (max) | writer CPU at " + "rate | CPU/row at rate | max lag at rate | caller CPU/record |\n"
                + "|---|---|---|---|---|---|---|---|";
    }

    static String row(Result r) {
        return String.format(Locale.ROOT, "| %s | %s | %,.0f | %.1f µs | %.1f %% of a core | %.1f µs | %.2f s | %.2f µs |",
                r.store(), r.writer(), r.maxRowsPerSec(), r.cpuNsPerRowMax() / 1000, r.cpuCoreAtRate() * 100,
                r.cpuNsPerRowAtRate() / 1000, r.maxLagSeconds(), r.callerNsPerRecord() / 1000);
    }

    private Result measure(String store, String writerName, ThreadMXBean mx) throws Exception {
        Path dir = null;
        String schema = null;
        StorageSettings settings;
        if (store.equals("sqlite")) {
            dir = Files.createTempDirectory("sluice-bench-ledger");
            settings = StorageSettings.sqlite(dir);
        } else if (store.equals("postgres")) {
            byte[] b = new byte[6];
            ThreadLocalRandom.current().nextBytes(b);
            schema = "sluice_bench_ledger_" + HexFormat.of().formatHex(b);
            String pw = pgPasswordEnv == null ? null : System.getenv(pgPasswordEnv);
            settings = StorageSettings.postgres(pgUrl, pgUser, pw, schema);
        } else {
            throw new CommandLine.ParameterException(new CommandLine(this), "unknown store " + store);
        }
        Clock clock = Clock.systemUTC();
        try (Database db = Database.open(settings)) {
            if (prefill > 0) prefill(db, clock);
            Writer w = writer(writerName, db, clock);
            // Warm-up: the same work, unmeasured.
            drive(w, warmupRows, 0, mx, null);
            pause("max-throughput run of " + store + "/" + writerName);
            long t0 = System.nanoTime();
            long cpu0 = cpu(mx, w);
            Measured max = drive(w, rows, 0, mx, null);
            long elapsed = System.nanoTime() - t0;
            long cpuMax = cpu(mx, w) - cpu0;
            pause("constant-rate run of " + store + "/" + writerName);
            long n = (long) rate * seconds;
            long cpu1 = cpu(mx, w);
            long t1 = System.nanoTime();
            double[] maxLag = {0};
            Measured paced = drive(w, (int) n, rate, mx, maxLag);
            long elapsedRate = System.nanoTime() - t1;
            long cpuRate = cpu(mx, w) - cpu1;
            w.sink().close();
            long inTable = count(db);
            long expected = (long) prefill + warmupRows + rows + n;
            if (inTable != expected) throw new IllegalStateException(store + "/" + writerName + ": " + inTable
                    + " rows in usage_ledger, expected " + expected);
            return new Result(store, writerName, rows / (elapsed / 1e9), (double) cpuMax / rows,
                    (double) cpuRate / elapsedRate, (double) cpuRate / n, maxLag[0],
                    (double) (max.callerCpuNanos + paced.callerCpuNanos) / (rows + n), inTable);
        } finally {
            if (dir != null) deleteTree(dir);
            if (schema != null) dropSchema(schema);
        }
    }

    private void pause(String what) throws InterruptedException {
        if (pause <= 0) return;
        System.out.println("pid " + ProcessHandle.current().pid() + ": " + what + " starts in " + pause + " s");
        Thread.sleep(TimeUnit.SECONDS.toMillis(pause));
    }

    private Writer writer(String name, Database db, Clock clock) {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        SpendBook book = new SpendBook(clock);
        return switch (name) {
            case "before" -> {
                BeforeLedger l = new BeforeLedger(new BeforeLedgerStore(db), book, CATALOG, clock, flushMs, beforeBatchSize, metrics);
                yield new Writer(l, "sluice-ledger-before", beforeBatchSize, l::rowsWritten, l::lagSeconds);
            }
            case "after" -> {
                UsageLedger l = new UsageLedger(new LedgerStore(db), book, CATALOG, clock, flushMs, batchSize, metrics);
                yield new Writer(l, "sluice-ledger", batchSize, l::rowsWritten, l::lagSeconds);
            }
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown writer " + name);
        };
    }

    record Measured(long callerCpuNanos) {}

    /**
     * Records {@code count} usage records: at {@code perSecond} (in 1 ms steps) or, when 0, as fast as the writer
     * keeps up (never more than 4 batches ahead of it, so a bounded queue is never overrun). Returns when every row is
     * written; samples the lag every 10 ms into {@code maxLag} when given.
     */
    private Measured drive(Writer w, int count, int perSecond, ThreadMXBean mx,
                           double[] maxLag) {
        long base = w.rowsWritten().getAsLong();
        long window = 4L * w.batchSize();
        long callerCpu = 0;
        long start = System.nanoTime();
        long nextSample = start;
        UsageRecord[] batch = new UsageRecord[64];
        int i = 0;
        while (i < count) {
            if (perSecond > 0) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * perSecond) + 1;
                if (due <= i) {
                    LockSupport.parkNanos(200_000);
                    if (maxLag != null && System.nanoTime() >= nextSample) {
                        maxLag[0] = Math.max(maxLag[0], w.lag().getAsDouble());
                        nextSample += 10_000_000;
                    }
                    continue;
                }
                due = Math.min(due, count);
                int k = (int) Math.min(due - i, batch.length);
                for (int j = 0; j < k; j++) batch[j] = record(nextId());
                long c0 = mx.getCurrentThreadCpuTime();
                for (int j = 0; j < k; j++) w.sink().record(batch[j]);
                callerCpu += mx.getCurrentThreadCpuTime() - c0;
                i += k;
            } else {
                if (i - (w.rowsWritten().getAsLong() - base) >= window) {
                    LockSupport.parkNanos(100_000);
                    continue;
                }
                int k = (int) Math.min(count - i, batch.length);
                for (int j = 0; j < k; j++) batch[j] = record(nextId());
                long c0 = mx.getCurrentThreadCpuTime();
                for (int j = 0; j < k; j++) w.sink().record(batch[j]);
                callerCpu += mx.getCurrentThreadCpuTime() - c0;
                i += k;
            }
        }
        while (w.rowsWritten().getAsLong() - base < count) {
            if (maxLag != null) maxLag[0] = Math.max(maxLag[0], w.lag().getAsDouble());
            LockSupport.parkNanos(1_000_000);
        }
        return new Measured(callerCpu);
    }

    private String nextId() {
        return switch (ids) {
            case "ordered" -> RequestIds.next();
            case "random" -> RequestIds.random();
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown --ids " + ids);
        };
    }

    /** Writes {@code prefill} rows straight through the store, 5,000 a transaction, ids as {@code --ids} says. */
    private void prefill(Database db, Clock clock) {
        LedgerStore store = new LedgerStore(db);
        List<dev.sluice.gateway.quota.LedgerRow> batch = new ArrayList<>(5_000);
        for (int i = 0; i < prefill; i++) {
            UsageRecord r = record(nextId());
            batch.add(new dev.sluice.gateway.quota.LedgerRow(r.requestId(), clock.millis(), r.orgId(), r.projectId(),
                    r.keyId(), r.model(), r.endpoint(), 10, 20, 1_000, 200, "completed", null, null, 1, false));
            if (batch.size() == 5_000 || i == prefill - 1) {
                store.write(batch);
                batch.clear();
            }
        }
    }

    /** A finished chat request of one of ten organizations/projects, with request id {@code id}. */
    private static UsageRecord record(String id) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int p = r.nextInt(10) + 1;
        return new UsageRecord(id, Instant.now(), "org_" + p, "proj_" + p, "key_" + p, "sim-mini",
                "/v1/chat/completions", 20 + r.nextInt(200), 16, Outcome.COMPLETED, null, 200,
                "chatcmpl-" + Long.toHexString(r.nextLong()), 1, r.nextBoolean());
    }

    private static long cpu(ThreadMXBean mx, Writer w) {
        Thread t = Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().equals(w.threadName()))
                .filter(Thread::isAlive).max(Comparator.comparingLong(Thread::threadId))
                .orElseThrow(() -> new IllegalStateException("no live thread " + w.threadName()));
        return mx.getThreadCpuTime(t.threadId());
    }

    private static long count(Database db) {
        return db.withConnection(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM usage_ledger")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private void dropSchema(String schema) {
        String pw = pgPasswordEnv == null ? null : System.getenv(pgPasswordEnv);
        try (Connection c = DriverManager.getConnection(pgUrl, pgUser, pw); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        } catch (Exception e) {
            System.err.println("could not drop schema " + schema + ": " + e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
