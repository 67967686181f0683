package dev.sluice.gateway.time;

import dev.sluice.protocol.time.Timers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Timers} for code that lives on a Vert.x event loop: a task runs on the context that scheduled it, so the
 * state it touches stays on one thread. {@link #VertxTimers(Vertx) Vert.x timers} do that by themselves;
 * {@link #onCallingContext} gives the same guarantee to any other scheduler (a test's
 * {@code dev.sluice.testing.FakeTime}, which runs due tasks on the test's thread) by re-posting each task to its
 * context.
 */
public final class VertxTimers implements Timers {
    private final Vertx vertx;

    public VertxTimers(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public Timer schedule(long delayMs, Runnable task) {
        long id = vertx.setTimer(Math.max(1, delayMs), t -> task.run());
        return () -> vertx.cancelTimer(id);
    }

    /**
     * {@code base}'s schedule, with each task run on the Vert.x context that scheduled it (directly when scheduled
     * off any context). A task cancelled after it fell due but before its context ran it does not run.
     */
    public static Timers onCallingContext(Timers base) {
        return (delayMs, task) -> {
            Context ctx = Vertx.currentContext();
            AtomicInteger state = new AtomicInteger(); // 0 pending, 1 ran, 2 cancelled
            Runnable once = () -> {
                if (state.compareAndSet(0, 1)) task.run();
            };
            Timer timer = base.schedule(delayMs, () -> {
                if (ctx == null || Vertx.currentContext() == ctx) once.run();
                else ctx.runOnContext(v -> once.run());
            });
            return () -> {
                boolean stopped = state.compareAndSet(0, 2);
                timer.cancel();
                return stopped;
            };
        };
    }
}
