package dev.sluice.gateway.pipeline;

import io.vertx.core.Future;

import java.util.List;
import java.util.function.Function;

/**
 * An ordered, immutable list of stages (a stage that {@linkplain Stage#passesThrough only passes the request on}
 * keeps its place but is not called). The constructor refuses a list that is out of {@link StageOrder} order or
 * that does not end in a terminal stage, so a mis-assembled gateway does not start.
 */
public final class Pipeline {
    private final List<Stage> stages;
    /** The stages a request runs through: {@link #stages} without those that only pass it on. */
    private final Stage[] running;

    public Pipeline(List<Stage> stages) {
        if (stages.isEmpty() || stages.getLast().order() != StageOrder.TERMINAL) {
            throw new IllegalStateException("a pipeline must end in a TERMINAL stage: " + names(stages));
        }
        for (int i = 1; i < stages.size(); i++) {
            if (stages.get(i - 1).order().compareTo(stages.get(i).order()) >= 0) {
                throw new IllegalStateException("stage " + stages.get(i).getClass().getSimpleName() + " ("
                        + stages.get(i).order() + ") may not follow " + stages.get(i - 1).getClass().getSimpleName()
                        + " (" + stages.get(i - 1).order() + "): " + names(stages));
            }
        }
        this.stages = List.copyOf(stages);
        this.running = stages.stream().filter(s -> !s.passesThrough()).toArray(Stage[]::new);
    }

    public List<Stage> stages() {
        return stages;
    }

    /**
     * Runs the stages in order and gives back the request's answer; the future always succeeds: a stage's failure is
     * an {@link Answer.Failed}, still carrying the end-of-request work the stages after it attached to theirs. Once
     * the caller has gone, no further stage starts: the answer is {@link Answer.Gone}.
     */
    public Future<Answer> run(Exchange ex) {
        return step(0, ex);
    }

    /**
     * Runs stage {@code i}. A stage that answers synchronously costs no future operation here: its result is looked
     * at once it is complete, and one that handed back the answer of the stages after it untouched (the common
     * "check, then {@code next.proceed(ex)}" stage) cannot have failed, since that answer's future always succeeds.
     * Only a result still pending gets an {@code otherwise} (one object: the failure becomes an answer, never a
     * failed future).
     */
    private Future<Answer> step(int i, Exchange ex) {
        if (ex.cancelled().isComplete()) return Future.succeededFuture(Answer.gone(null));
        if (i >= running.length) return Future.succeededFuture(Answer.failed(new IllegalStateException("no answer")));
        Rest rest = new Rest(i + 1);
        Future<Answer> result;
        try {
            result = running[i].apply(ex, rest);
        } catch (RuntimeException e) {
            return Future.succeededFuture(rest.apply(e));
        }
        if (result == rest.future) return result;
        if (result.isComplete()) return result.succeeded() ? result : Future.succeededFuture(rest.apply(result.cause()));
        return result.otherwise(rest);
    }

    /**
     * The {@link Stage.Chain} one stage gets: runs the stages from {@code from} on and remembers their future (the
     * last one, should the stage proceed more than once); also turns a failure of the stage into its answer, which
     * keeps the end-of-request work of the stages after it. One object per stage and request, no lambdas, and no
     * listener on the rest's future: the answer is looked up only when the stage has failed, which is rare, while a
     * listener per stage cost every request one registration per stage on the terminal's pending future.
     */
    private final class Rest implements Stage.Chain, Function<Throwable, Answer> {
        private final int from;
        private Future<Answer> future;
        /** The answer of an earlier {@link #proceed} that had come when the stage proceeded again. */
        private Answer earlier;

        Rest(int from) {
            this.from = from;
        }

        @Override
        public Future<Answer> proceed(Exchange next) {
            Future<Answer> last = future;
            if (last != null && last.isComplete()) earlier = last.result();
            Future<Answer> f = step(from, next);
            future = f;
            return f;
        }

        /**
         * The stage failed: an error answer inheriting the work attached to the answer of the stages after it — the
         * last {@link #proceed}'s once it has come (its future never fails), else an earlier one's, else none.
         */
        @Override
        public Answer apply(Throwable err) {
            Future<Answer> last = future;
            return Answer.failed(err).inherit(last != null && last.isComplete() ? last.result() : earlier);
        }
    }

    private static String names(List<Stage> stages) {
        return stages.stream().map(s -> s.getClass().getSimpleName()).toList().toString();
    }
}
