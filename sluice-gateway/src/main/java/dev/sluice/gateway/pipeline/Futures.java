package dev.sluice.gateway.pipeline;

import io.vertx.core.Future;

import java.util.function.Function;

/**
 * {@link Future#compose}, {@link Future#recover} and {@link Future#map} for the stages, without a future operation
 * when the future is already complete — as the answers of the cached key and policy lookups and of the in-memory
 * limit store are on almost every request. Same results as the Vert.x methods: a function that throws gives a failed
 * future with what it threw; a pending future takes the Vert.x method.
 */
public final class Futures {
    private Futures() {}

    /** As {@code f.compose(then)}. */
    public static <T, U> Future<U> compose(Future<T> f, Function<? super T, Future<U>> then) {
        if (!f.isComplete()) return f.compose(then);
        if (f.failed()) return Future.failedFuture(f.cause());
        try {
            return then.apply(f.result());
        } catch (Throwable e) {
            return Future.failedFuture(e);
        }
    }

    /** As {@code f.recover(instead)}. */
    public static <T> Future<T> recover(Future<T> f, Function<Throwable, Future<T>> instead) {
        if (!f.isComplete()) return f.recover(instead);
        if (f.succeeded()) return f;
        try {
            return instead.apply(f.cause());
        } catch (Throwable e) {
            return Future.failedFuture(e);
        }
    }

    /** As {@code f.map(to)}. */
    public static <T, U> Future<U> map(Future<T> f, Function<? super T, U> to) {
        if (!f.isComplete()) return f.map(to);
        if (f.failed()) return Future.failedFuture(f.cause());
        try {
            return Future.succeededFuture(to.apply(f.result()));
        } catch (Throwable e) {
            return Future.failedFuture(e);
        }
    }
}
