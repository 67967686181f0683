package dev.sluice.gateway.pipeline;

import io.vertx.core.Completable;
import io.vertx.core.Future;

import java.util.function.Consumer;
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

    /**
     * What a stage does with a lookup's answer: a method of the stage, held once, so that calling it on an answer
     * already there makes no lambda per request ({@link #compose(Future, Exchange, Stage.Chain, Step)}).
     */
    public interface Step<T> {
        Future<Answer> apply(T value, Exchange ex, Stage.Chain next);
    }

    /**
     * As {@code compose(f, v -> step.apply(v, ex, next))}; the lambda is made only while {@code f} is pending or
     * failed.
     */
    public static <T> Future<Answer> compose(Future<T> f, Exchange ex, Stage.Chain next, Step<? super T> step) {
        if (!f.isComplete() || f.failed()) return compose(f, v -> step.apply(v, ex, next));
        try {
            return step.apply(f.result(), ex, next);
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

    /**
     * As {@code answer.map(a -> a.whenDone(work))} for the answer of {@code next.proceed(ex)}, without a new future:
     * {@link Answer#whenDone} adds to the answer it is called on, so the same future is handed back, with the work
     * attached when the answer comes (at once if it has). Work is attached in the order the stages call this, as
     * with the map (the innermost stage's listener is registered first), and a stage that hands back the rest's own
     * future costs the pipeline no failure handling ({@code Pipeline}). The answer's future never fails
     * ({@link Stage.Chain}); should it, the failure is handed back as it is, as by the map.
     */
    public static Future<Answer> whenDone(Future<Answer> answer, Consumer<Ending> work) {
        return attach(answer, new Attach(work, null));
    }

    /** As {@link #whenDone}, for work attached with {@link Answer#whenDoneAsync}. */
    public static Future<Answer> whenDoneAsync(Future<Answer> answer, Function<Ending, Future<?>> work) {
        return attach(answer, new Attach(null, work));
    }

    private static Future<Answer> attach(Future<Answer> answer, Attach attach) {
        if (answer.isComplete()) {
            if (answer.succeeded()) attach.to(answer.result());
        } else {
            answer.onComplete(attach);
        }
        return answer;
    }

    /** One piece of end-of-request work waiting for its answer: the listener itself, one object. */
    private record Attach(Consumer<Ending> now, Function<Ending, Future<?>> async) implements Completable<Answer> {
        @Override
        public void complete(Answer answer, Throwable failure) {
            if (failure == null) to(answer);
        }

        void to(Answer answer) {
            if (now != null) answer.whenDone(now);
            else answer.whenDoneAsync(async);
        }
    }
}
