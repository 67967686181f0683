package dev.sluice.gateway.pipeline;

import io.vertx.core.Future;
import io.vertx.core.Handler;

import java.util.List;
import java.util.function.Function;

/**
 * An ordered, immutable list of stages. The constructor refuses a list that is out of {@link StageOrder} order or
 * that does not end in a terminal stage, so a mis-assembled gateway does not start.
 */
public final class Pipeline {
    private final List<Stage> stages;

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
        if (i >= stages.size()) return Future.succeededFuture(Answer.failed(new IllegalStateException("no answer")));
        Rest rest = new Rest(i + 1);
        Future<Answer> result;
        try {
            result = stages.get(i).apply(ex, rest);
        } catch (RuntimeException e) {
            return Future.succeededFuture(rest.apply(e));
        }
        if (result == rest.future) return result;
        if (result.isComplete()) return result.succeeded() ? result : Future.succeededFuture(rest.apply(result.cause()));
        return result.otherwise(rest);
    }

    /**
     * The {@link Stage.Chain} one stage gets: runs the stages from {@code from} on and remembers their answer (the
     * last one, should the stage proceed more than once); also turns a failure of the stage into its answer, which
     * keeps the end-of-request work of the stages after it. One object per stage and request, no lambdas.
     */
    private final class Rest implements Stage.Chain, Function<Throwable, Answer>, Handler<Answer> {
        private final int from;
        private Future<Answer> future;
        private Answer answer;

        Rest(int from) {
            this.from = from;
        }

        @Override
        public Future<Answer> proceed(Exchange next) {
            Future<Answer> f = step(from, next);
            future = f;
            if (f.isComplete()) answer = f.result();
            else f.onSuccess(this);
            return f;
        }

        /** The answer of the stages after this one, once it has come (a later {@link #proceed} wins). */
        @Override
        public void handle(Answer a) {
            answer = a;
        }

        /** The stage failed: an error answer inheriting the work attached to the answer of the stages after it. */
        @Override
        public Answer apply(Throwable err) {
            return Answer.failed(err).inherit(answer);
        }
    }

    private static String names(List<Stage> stages) {
        return stages.stream().map(s -> s.getClass().getSimpleName()).toList().toString();
    }
}
