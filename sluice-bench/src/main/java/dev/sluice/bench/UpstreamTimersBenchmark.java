package dev.sluice.bench;

import dev.sluice.gateway.time.VertxTimers;
import dev.sluice.protocol.time.Timers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The timers of one upstream request on an event loop: a first-byte timer (30 s) and a total timer (10 min)
 * scheduled, then both cancelled when the answer comes, with {@value #BACKGROUND} other requests' timers pending (a
 * loaded gateway). {@code vertx}: a Vert.x timer per wait (a Netty scheduled task plus a timer-map entry, as before
 * the client branch); {@code wheel}: {@link VertxTimers}, a per-loop timer wheel. Each invocation runs
 * {@value #BATCH} requests in one task on the loop, so the hand-off to it is spread over them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UpstreamTimersBenchmark {
    static final int BATCH = 1_000;
    static final int BACKGROUND = 10_000;

    @Param({"vertx", "wheel"})
    public String timers;

    Vertx vertx;
    Context loop;
    Timers t;
    final Timers.Timer[] first = new Timers.Timer[BATCH], total = new Timers.Timer[BATCH];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
        t = switch (timers) {
            case "vertx" -> (delayMs, task) -> {
                long id = vertx.setTimer(Math.max(1, delayMs), x -> task.run());
                return () -> vertx.cancelTimer(id);
            };
            case "wheel" -> new VertxTimers(vertx);
            default -> throw new IllegalArgumentException(timers);
        };
        onLoop(() -> {
            for (int i = 0; i < BACKGROUND; i++) t.schedule(60_000 + i, () -> { });
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    void onLoop(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.runOnContext(v -> {
            r.run();
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void scheduleAndCancelTheTimersOfARequest() throws Exception {
        onLoop(() -> {
            for (int i = 0; i < BATCH; i++) {
                first[i] = t.schedule(30_000, () -> { });
                total[i] = t.schedule(600_000, () -> { });
            }
            for (int i = 0; i < BATCH; i++) {
                first[i].cancel();
                total[i].cancel();
            }
        });
    }
}
