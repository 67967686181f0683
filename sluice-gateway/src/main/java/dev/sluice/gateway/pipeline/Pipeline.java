package dev.sluice.gateway.pipeline;

import io.vertx.core.Future;

import java.util.List;

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

    private Future<Answer> step(int i, Exchange ex) {
        if (ex.cancelled().isComplete()) return Future.succeededFuture(Answer.gone(null));
        if (i >= stages.size()) return Future.succeededFuture(Answer.failed(new IllegalStateException("no answer")));
        Answer[] inner = {null};
        Future<Answer> result;
        try {
            result = stages.get(i).apply(ex, next -> step(i + 1, next).onSuccess(a -> inner[0] = a));
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        return result.recover(err -> Future.succeededFuture(Answer.failed(err).inherit(inner[0])));
    }

    private static String names(List<Stage> stages) {
        return stages.stream().map(s -> s.getClass().getSimpleName()).toList().toString();
    }
}
