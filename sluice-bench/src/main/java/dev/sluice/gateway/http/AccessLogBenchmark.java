package dev.sluice.gateway.http;

import ch.qos.logback.classic.LoggerContext;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.OutputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One access line, before (the code the accesslog branch replaced, kept here) and after, in one process so a loaded
 * machine slows both alike; {@code -prof gc} gives bytes per line, which do not depend on the load. The event loop's
 * part: {@code loopMap} (the LinkedHashMap of ~20 boxed fields and the queued line) vs {@code loopRecord} (one
 * {@link AccessRecord}). The access-log thread's part, 1,000 lines a batch into a {@link BatchingConsoleAppender}
 * configured as logback.xml (bytes discarded): {@code writerEncoder} (a logging event per line, LogstashEncoder) vs
 * {@code writerDirect} ({@link AccessJson} through {@link LogbackAccessOutput}) and {@code writerFallback} (what any
 * other logback configuration gets now: the map built on the writer, then the logging event).
 * In this package (split across jars, classpath only) to reach the package's classes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AccessLogBenchmark {
    static final int BATCH = 1_000;
    /** A typical unary chat completion's line. */
    static final AccessRecord LINE = new AccessRecord(AccessRecord.EXCHANGE, "req_01a224dbccf2bf60f5002ddb4592fe74",
            "POST", "/v1/chat/completions", 200, null, 3, "127.0.0.1", "sim-mini", "org_8f2b1c", "proj_6c0d9e",
            "key_2a7f41", false, 12, 1, 16, "sim", 2, -1, null, "4bf92f3577b34da6a3ce929d0e0e4736");

    LoggerContext ctx;
    BatchingConsoleAppender appender;
    org.slf4j.Logger access;
    LogbackAccessOutput direct;
    Map<String, Object> prebuilt;
    // inputs the loop benchmarks read, so nothing folds into a constant
    String requestId = LINE.requestId();
    long started = System.nanoTime();

    /** Discards the bytes. */
    static final class Sink extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    @Setup
    public void setUp() {
        ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(ctx);
        encoder.setIncludeCallerData(false);
        LogstashFieldNames names = new LogstashFieldNames();
        names.setLevelValue("[ignore]");
        names.setVersion("[ignore]");
        encoder.setFieldNames(names);
        encoder.start();
        appender = new BatchingConsoleAppender();
        appender.setContext(ctx);
        appender.setEncoder(encoder);
        appender.setTarget(new Sink());
        appender.start();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        access = ctx.getLogger("sluice.access");
        direct = new LogbackAccessOutput(ctx, Clock.systemUTC());
        direct.begin();
        if (!direct.direct()) throw new IllegalStateException("the direct path was not taken");
        prebuilt = LINE.fields();
    }

    @TearDown
    public void tearDown() {
        appender.stop();
        ctx.stop();
    }

    /** Before: AccessLog.write's map, as it was, and the queued line (its fields, method, route, status). */
    record OldLine(Map<String, Object> fields, String method, Object route, int status) {}

    @Benchmark
    public Object loopMap() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request_id", requestId);
        f.put("method", "POST");
        f.put("route", "/v1/chat/completions");
        f.put("status", 200);
        f.put("error_code", null);
        f.put("latency_ms", (System.nanoTime() - started) / 1_000_000);
        f.put("client_ip", "127.0.0.1");
        f.put("model", "sim-mini");
        f.put("org_id", "org_8f2b1c");
        f.put("project_id", "proj_6c0d9e");
        f.put("key_id", "key_2a7f41");
        f.put("stream", false);
        f.put("prompt_tokens", 12);
        f.put("attempts", 1);
        f.put("completion_tokens", 16);
        f.put("deployment", "sim");
        f.put("upstream_latency_ms", 2_000_000L / 1_000_000);
        f.put("ttft_ms", null);
        f.put("refused_by", null);
        f.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        return new OldLine(f, "POST", f.get("route"), 200);
    }

    @Benchmark
    public Object loopRecord() {
        return new AccessRecord(AccessRecord.EXCHANGE, requestId, "POST", "/v1/chat/completions", 200, null,
                (System.nanoTime() - started) / 1_000_000, "127.0.0.1", "sim-mini", "org_8f2b1c", "proj_6c0d9e",
                "key_2a7f41", false, 12, 1, 16, "sim", 2_000_000L / 1_000_000, -1, null,
                "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void writerEncoder() throws Exception {
        for (int i = 0; i < BATCH; i++) {
            access.info(new AccessFields(prebuilt), "{} {} {}", LINE.method(), LINE.route(), LINE.status());
        }
        appender.flush();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void writerFallback() throws Exception {
        for (int i = 0; i < BATCH; i++) {
            access.info(new AccessFields(LINE.fields()), "{} {} {}", LINE.method(), LINE.route(), LINE.status());
        }
        appender.flush();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void writerDirect() {
        direct.begin();
        for (int i = 0; i < BATCH; i++) direct.write(LINE);
        direct.flush();
    }

    /** The per-batch configuration check alone (once per batch, not per line). */
    @Benchmark
    public boolean batchCheck() {
        direct.begin();
        return direct.direct();
    }

    /**
     * CPU time, not wall time (JMH's times are wall time, which a loaded machine's scheduler stretches): the
     * writer's two ways in turns, {@code rounds} times {@code lines} lines each, printing the thread's CPU
     * nanoseconds and allocated bytes per line and the load average beside each. {@code java -cp
     * sluice-bench/target/sluice-bench.jar dev.sluice.gateway.http.AccessLogBenchmark [rounds] [lines]}
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int lines = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        AccessLogBenchmark b = new AccessLogBenchmark();
        b.setUp();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        for (int warm = 0; warm < 3; warm++) {
            for (int i = 0; i < lines / BATCH; i++) {
                b.writerEncoder();
                b.writerDirect();
                b.loopMap();
                b.loopRecord();
            }
        }
        String[] names = {"writerEncoder", "writerDirect", "loopMap", "loopRecord"};
        Object sink = null;
        for (int round = 0; round < rounds; round++) {
            for (int way = 0; way < names.length; way++) {
                String load = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
                long cpu0 = mx.getCurrentThreadCpuTime();
                long alloc0 = mx.getThreadAllocatedBytes(self);
                for (int i = 0; i < lines / BATCH; i++) {
                    switch (way) {
                        case 0 -> b.writerEncoder();
                        case 1 -> b.writerDirect();
                        case 2 -> { for (int j = 0; j < BATCH; j++) sink = b.loopMap(); }
                        default -> { for (int j = 0; j < BATCH; j++) sink = b.loopRecord(); }
                    }
                }
                long cpu = mx.getCurrentThreadCpuTime() - cpu0;
                long alloc = mx.getThreadAllocatedBytes(self) - alloc0;
                System.out.printf("round %d %-14s %8.1f ns CPU/line %8.1f B/line  load %s%n", round, names[way],
                        (double) cpu / lines, (double) alloc / lines, load);
            }
        }
        if (sink == null) System.out.println();
        b.tearDown();
    }
}
