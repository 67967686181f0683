package dev.sluice.gateway.time;

import dev.sluice.protocol.time.Timers;
import dev.sluice.testing.FakeTime;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class VertxTimersTest {
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Schedules on {@code ctx} and returns the timer once it is scheduled. */
    static Timers.Timer scheduleOn(Context ctx, Timers timers, long delayMs, Runnable task) throws Exception {
        CompletableFuture<Timers.Timer> t = new CompletableFuture<>();
        ctx.runOnContext(v -> t.complete(timers.schedule(delayMs, task)));
        return t.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFakeTimeTaskRunsOnTheEventLoopThatScheduledItNotOnTheTestThread() throws Exception {
        FakeTime time = new FakeTime();
        Timers timers = VertxTimers.onCallingContext(time);
        Context ctx = vertx.getOrCreateContext();
        AtomicReference<Context> ranOn = new AtomicReference<>();
        AtomicReference<Thread> thread = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        scheduleOn(ctx, timers, 100, () -> {
            ranOn.set(Vertx.currentContext());
            thread.set(Thread.currentThread());
            ran.countDown();
        });
        time.advance(Duration.ofMillis(99));
        assertThat(ran.getCount()).isEqualTo(1);
        time.advance(Duration.ofMillis(1));
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ranOn.get()).isSameAs(ctx);
        assertThat(thread.get()).isNotSameAs(Thread.currentThread());
    }

    @Test
    void aTaskCancelledAfterItFellDueButBeforeItsContextRanItDoesNotRun() throws Exception {
        FakeTime time = new FakeTime();
        Timers timers = VertxTimers.onCallingContext(time);
        Context ctx = vertx.getOrCreateContext();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> ran = new AtomicReference<>("no");
        Timers.Timer t = scheduleOn(ctx, timers, 10, () -> ran.set("yes"));
        ctx.runOnContext(v -> { // hold the event loop so the due task waits in its queue
            blocked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
        time.advance(Duration.ofMillis(10)); // due: re-posted behind the blocker
        assertThat(t.cancel()).isTrue();
        assertThat(t.cancel()).isFalse();
        release.countDown();
        CompletableFuture<String> after = new CompletableFuture<>();
        ctx.runOnContext(v -> after.complete(ran.get()));
        assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo("no");
    }

    @Test
    void vertxTimersRunOnTheSchedulingContextAndCancel() throws Exception {
        Timers timers = new VertxTimers(vertx);
        Context ctx = vertx.getOrCreateContext();
        CompletableFuture<Context> ranOn = new CompletableFuture<>();
        scheduleOn(ctx, timers, 1, () -> ranOn.complete(Vertx.currentContext()));
        assertThat(ranOn.get(10, TimeUnit.SECONDS)).isSameAs(ctx);
        Timers.Timer never = scheduleOn(ctx, timers, 60_000, () -> { });
        assertThat(never.cancel()).isTrue();
    }

    @Test
    void wheelTimersRunOnTheContextAndThreadThatScheduledThemOnEachOfSeveralLoops() throws Exception {
        Timers timers = new VertxTimers(vertx);
        List<Context> contexts = new ArrayList<>();
        for (int i = 0; i < 4; i++) contexts.add(((VertxInternal) vertx).createEventLoopContext());
        assertThat(contexts.stream().map(c -> ((ContextInternal) c).nettyEventLoop()).distinct().count())
                .as("several event loops").isGreaterThan(1);
        List<CompletableFuture<Context>> ranOn = new ArrayList<>();
        List<CompletableFuture<Thread>> scheduledBy = new ArrayList<>(), ranBy = new ArrayList<>();
        List<Timers.Timer> cancelled = new ArrayList<>();
        for (Context ctx : contexts) {
            CompletableFuture<Context> on = new CompletableFuture<>();
            CompletableFuture<Thread> by = new CompletableFuture<>(), ran = new CompletableFuture<>();
            ranOn.add(on);
            scheduledBy.add(by);
            ranBy.add(ran);
            scheduleOn(ctx, timers, 15, () -> {
                on.complete(Vertx.currentContext());
                ran.complete(Thread.currentThread());
            });
            ctx.runOnContext(v -> by.complete(Thread.currentThread()));
            cancelled.add(scheduleOn(ctx, timers, 60_000, () -> on.completeExceptionally(new AssertionError("ran"))));
        }
        for (Timers.Timer t : cancelled) assertThat(t.cancel()).isTrue(); // from the test thread
        for (int i = 0; i < contexts.size(); i++) {
            assertThat(ranOn.get(i).get(10, TimeUnit.SECONDS)).isSameAs(contexts.get(i));
            assertThat(ranBy.get(i).get(10, TimeUnit.SECONDS)).isSameAs(scheduledBy.get(i).get(10, TimeUnit.SECONDS));
        }
    }
}
