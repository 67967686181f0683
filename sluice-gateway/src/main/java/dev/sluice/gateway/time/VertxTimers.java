package dev.sluice.gateway.time;

import dev.sluice.protocol.time.Timers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import dev.sluice.protocol.time.Ticker;
import java.util.concurrent.TimeUnit;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Timers} for code that lives on a Vert.x event loop: a task runs on the context that scheduled it, so the
 * state it touches stays on one thread. {@link #VertxTimers(Vertx) These timers} keep one {@link TimerWheel} per
 * event loop ({@value #TICK_MS} ms ticks driven by one Netty scheduled task of that loop, so a task runs up to
 * {@value #TICK_MS} ms after its delay) and run each task on its scheduling context; off an event loop they are plain
 * Vert.x timers.
 * {@link #onCallingContext} gives the same guarantee to any other scheduler (a test's
 * {@code dev.sluice.testing.FakeTime}, which runs due tasks on the test's thread) by re-posting each task to its
 * context.
 */
public final class VertxTimers implements Timers {
    /** The wheels' precision: tasks run on the first tick at or after their due time. */
    public static final long TICK_MS = 10;
    /** 1024 slots of 10 ms: timers up to ~10 s away are visited once; longer ones once per turn. */
    private static final int SLOTS = 1024;

    private final Vertx vertx;
    private final FastThreadLocal<TimerWheel> wheels = new FastThreadLocal<>();

    public VertxTimers(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public Timer schedule(long delayMs, Runnable task) {
        ContextInternal ctx = (ContextInternal) Vertx.currentContext();
        if (ctx == null || !ctx.isEventLoopContext() || !ctx.nettyEventLoop().inEventLoop()) {
            long id = vertx.setTimer(Math.max(1, delayMs), t -> task.run());
            return () -> vertx.cancelTimer(id);
        }
        TimerWheel wheel = wheels.get();
        if (wheel == null) {
            EventLoop loop = ctx.nettyEventLoop();
            wheel = new TimerWheel(Ticker.system(), (ms, tick) -> {
                ScheduledFuture<?> f = loop.schedule(tick, ms, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }, TICK_MS, SLOTS);
            wheels.set(wheel);
        }
        return wheel.schedule(delayMs, () -> ctx.emit(v -> task.run()));
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
