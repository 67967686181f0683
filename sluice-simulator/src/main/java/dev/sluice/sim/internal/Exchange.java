package dev.sluice.sim.internal;

import dev.sluice.protocol.Headers;
import dev.sluice.protocol.RequestIds;
import dev.sluice.protocol.time.Ticker;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/**
 * One request's life in the simulator: its request id, the timers it started, and the single release that cancels
 * them when the answer ends or the client leaves (whichever comes first).
 */
public final class Exchange {
    private static final String KEY = "sluice.sim.exchange";

    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final String requestId;
    private final InFlight inFlight;
    private final Ticker ticker;
    private final List<Long> timers = new ArrayList<>(2);
    private boolean released;

    private Exchange(RoutingContext ctx, InFlight inFlight, Ticker ticker) {
        this.ctx = ctx;
        this.response = ctx.response();
        this.requestId = RequestIds.next();
        this.inFlight = inFlight;
        this.ticker = ticker;
    }

    /**
     * The exchange of {@code ctx}, opening it (id header, tracking, release hooks) on first use; {@code ticker} is the
     * time its stream pacing reads.
     */
    public static Exchange of(RoutingContext ctx, InFlight inFlight, Ticker ticker) {
        Exchange ex = ctx.get(KEY);
        if (ex != null) return ex;
        Exchange created = new Exchange(ctx, inFlight, ticker);
        ctx.put(KEY, created);
        inFlight.opened();
        created.response.putHeader(Headers.REQUEST_ID, created.requestId);
        // vertx-web owns the response's end/close/exception handlers; its end handlers run on all three
        ctx.addEndHandler(ar -> created.release());
        return created;
    }

    public RoutingContext ctx() { return ctx; }

    public HttpServerResponse response() { return response; }

    public String requestId() { return requestId; }

    public Vertx vertx() { return ctx.vertx(); }

    /** Now, on the simulator's ticker: what stream pacing measures (tests move it by hand). */
    public long nanos() { return ticker.nanos(); }

    /** True once the answer ended or the client went away: nothing more may be written. */
    public boolean released() {
        return released || response.closed() || response.ended();
    }

    /** Runs {@code task} after {@code delayMs} unless the exchange is released first. */
    public void after(long delayMs, Runnable task) {
        if (released) return;
        long[] id = new long[1];
        id[0] = vertx().setTimer(Math.max(1, delayMs), t -> {
            timers.remove(id[0]);
            if (!released()) task.run();
        });
        timers.add(id[0]);
    }

    /** Runs {@code task} every {@code periodMs} until the exchange is released. */
    public void every(long periodMs, Runnable task) {
        if (released) return;
        long id = vertx().setPeriodic(Math.max(1, periodMs), t -> {
            if (!released()) task.run();
        });
        timers.add(id);
    }

    /** Drops the connection without a complete answer (the {@code disconnect_after} fault). */
    public void disconnect() {
        release();
        // Over HTTP/2 only this stream breaks (a reset); the connection carries other callers' streams.
        if (ctx.request().version() == io.vertx.core.http.HttpVersion.HTTP_2) ctx.response().reset();
        else ctx.request().connection().close();
    }

    private void release() {
        if (released) return;
        released = true;
        for (long id : timers) vertx().cancelTimer(id);
        timers.clear();
        inFlight.closed();
    }
}
