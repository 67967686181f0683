package dev.sluice.gateway.pipeline;

import dev.sluice.gateway.usage.Outcome;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** The lifecycle rule: a stage sees its own answer, and its end-of-request work runs once the request has ended. */
class PipelineLifecycleTest {
    private final List<String> log = new ArrayList<>();
    private final Promise<Void> cancel = Promise.promise();

    private Exchange exchange() {
        return new Exchange("req_1", 0, Endpoint.CHAT_COMPLETIONS, "POST", "/v1/chat/completions",
                MultiMap.caseInsensitiveMultiMap(), null, "127.0.0.1", null, work -> null, cancel.future());
    }

    /** A stage at {@code order} that logs before proceeding and attaches end-of-request work to the answer. */
    private Stage around(StageOrder order, String name) {
        return stage(order, (ex, next) -> {
            log.add(name + " before");
            return next.proceed(ex).map(a -> a.whenDone(e -> log.add(name + " after " + e.outcome())));
        });
    }

    /** As {@link #around}, attaching its work with {@link Futures#whenDone} (the same future handed back). */
    private Stage attaching(StageOrder order, String name) {
        return stage(order, (ex, next) -> {
            log.add(name + " before");
            return Futures.whenDone(next.proceed(ex), e -> log.add(name + " after " + e.outcome()));
        });
    }

    private static Stage stage(StageOrder order, BiFunction<Exchange, Stage.Chain, Future<Answer>> body) {
        return new Stage() {
            @Override
            public StageOrder order() {
                return order;
            }

            @Override
            public Future<Answer> apply(Exchange ex, Chain next) {
                return body.apply(ex, next);
            }
        };
    }

    @Test
    void endOfRequestWorkRunsInnermostFirstOnlyWhenTheRequestHasEnded() {
        Pipeline p = new Pipeline(List.of(around(StageOrder.USAGE_RECORDING, "usage"),
                around(StageOrder.ADMISSION_CONTROL, "admission"),
                stage(StageOrder.TERMINAL, (ex, next) -> Future.succeededFuture(Answer.json(200, "{}")))));

        Answer answer = p.run(exchange()).result();

        assertThat(answer).isInstanceOf(Answer.Whole.class);
        assertThat(log).containsExactly("usage before", "admission before");
        answer.ended(new Ending(200, Outcome.COMPLETED, null));
        assertThat(log).containsExactly("usage before", "admission before", "admission after COMPLETED",
                "usage after COMPLETED");
    }

    @Test
    void aFailingStageBecomesAnErrorAnswerAndKeepsTheWorkOfTheStagesAfterIt() {
        ApiException refused = ApiException.of(ErrorKind.SERVER_OVERLOADED);
        Pipeline p = new Pipeline(List.of(around(StageOrder.USAGE_RECORDING, "usage"),
                stage(StageOrder.RATE_LIMITS, (ex, next) -> next.proceed(ex).compose(a -> Future.failedFuture(refused))),
                around(StageOrder.ADMISSION_CONTROL, "admission"),
                stage(StageOrder.TERMINAL, (ex, next) -> Future.succeededFuture(Answer.json(200, "{}")))));

        Answer answer = p.run(exchange()).result();

        assertThat(answer).isInstanceOf(Answer.Failed.class);
        assertThat(((Answer.Failed) answer).apiError()).isSameAs(refused);
        answer.ended(new Ending(503, Outcome.FAILED, "server_overloaded"));
        assertThat(log).containsExactly("usage before", "admission before", "admission after FAILED",
                "usage after FAILED");
    }

    @Test
    void aThrownApiExceptionIsAnErrorAnswerToo() {
        Pipeline p = new Pipeline(List.of(around(StageOrder.USAGE_RECORDING, "usage"),
                stage(StageOrder.TERMINAL, (ex, next) -> {
                    throw ApiException.of(ErrorKind.INSUFFICIENT_QUOTA);
                })));

        Answer answer = p.run(exchange()).result();

        assertThat(((Answer.Failed) answer).apiError().kind()).isEqualTo(ErrorKind.INSUFFICIENT_QUOTA);
        answer.ended(new Ending(429, Outcome.FAILED, "insufficient_quota"));
        assertThat(log).containsExactly("usage before", "usage after FAILED");
    }

    @Test
    void noStageStartsOnceTheCallerHasGoneAndTheStagesBeforeStillSeeTheEnding() {
        Promise<Void> queue = Promise.promise();
        Pipeline p = new Pipeline(List.of(around(StageOrder.USAGE_RECORDING, "usage"),
                stage(StageOrder.ADMISSION_CONTROL, (ex, next) -> queue.future().compose(v -> next.proceed(ex))
                        .map(a -> a.whenDone(e -> log.add("slot released " + e.outcome())))),
                stage(StageOrder.TERMINAL, (ex, next) -> {
                    log.add("upstream called");
                    return Future.succeededFuture(Answer.json(200, "{}"));
                })));

        Future<Answer> run = p.run(exchange());
        cancel.complete(); // the caller leaves while the request waits in the queue
        queue.complete();

        Answer answer = run.result();
        assertThat(answer).isInstanceOf(Answer.Gone.class);
        answer.ended(new Ending(499, Outcome.CANCELLED, null));
        assertThat(log).containsExactly("usage before", "slot released CANCELLED", "usage after CANCELLED");
    }

    @Test
    void asyncEndOfRequestWorkHoldsBackTheStagesAroundIt() {
        Promise<Void> correction = Promise.promise();
        Pipeline p = new Pipeline(List.of(around(StageOrder.USAGE_RECORDING, "usage"),
                stage(StageOrder.RATE_LIMITS, (ex, next) -> next.proceed(ex)
                        .map(a -> a.whenDoneAsync(e -> correction.future()))),
                stage(StageOrder.TERMINAL, (ex, next) -> Future.succeededFuture(Answer.json(200, Buffer.buffer("{}"))))));

        Future<Void> ended = p.run(exchange()).result().ended(new Ending(200, Outcome.COMPLETED, null));

        assertThat(log).containsExactly("usage before");
        assertThat(ended.isComplete()).isFalse();
        correction.complete();
        assertThat(log).containsExactly("usage before", "usage after COMPLETED");
        assertThat(ended.succeeded()).isTrue();
    }

    @Test
    void aStageFailingOnAnAnswerThatCameLaterKeepsTheWorkOfTheStagesAfterIt() {
        failingOnALaterAnswerKeepsTheWorkAround(this::around);
    }

    /**
     * A stage that fails on the answer of the stages after it, once that answer has come, between two stages whose
     * end-of-request work is made by {@code wrap}: both still run it, innermost first.
     */
    private void failingOnALaterAnswerKeepsTheWorkAround(BiFunction<StageOrder, String, Stage> wrap) {
        Promise<Answer> upstream = Promise.promise();
        ApiException refused = ApiException.of(ErrorKind.SERVER_OVERLOADED);
        Pipeline p = new Pipeline(List.of(wrap.apply(StageOrder.USAGE_RECORDING, "usage"),
                stage(StageOrder.RATE_LIMITS, (ex, next) -> next.proceed(ex).compose(a -> Future.failedFuture(refused))),
                wrap.apply(StageOrder.ADMISSION_CONTROL, "admission"),
                stage(StageOrder.TERMINAL, (ex, next) -> upstream.future())));

        Future<Answer> run = p.run(exchange());
        assertThat(run.isComplete()).isFalse();
        upstream.complete(Answer.json(200, "{}"));

        Answer answer = run.result();
        assertThat(((Answer.Failed) answer).apiError()).isSameAs(refused);
        answer.ended(new Ending(503, Outcome.FAILED, "server_overloaded"));
        assertThat(log).containsExactly("usage before", "admission before", "admission after FAILED",
                "usage after FAILED");
    }

    @Test
    void aStageThrowingAfterItProceededKeepsTheWorkOfTheStagesAfterIt() {
        Pipeline p = new Pipeline(List.of(around(StageOrder.USAGE_RECORDING, "usage"),
                stage(StageOrder.RATE_LIMITS, (ex, next) -> {
                    next.proceed(ex);
                    throw ApiException.of(ErrorKind.INSUFFICIENT_QUOTA);
                }),
                around(StageOrder.ADMISSION_CONTROL, "admission"),
                stage(StageOrder.TERMINAL, (ex, next) -> Future.succeededFuture(Answer.json(200, "{}")))));

        Answer answer = p.run(exchange()).result();

        assertThat(((Answer.Failed) answer).apiError().kind()).isEqualTo(ErrorKind.INSUFFICIENT_QUOTA);
        answer.ended(new Ending(429, Outcome.FAILED, "insufficient_quota"));
        assertThat(log).containsExactly("usage before", "admission before", "admission after FAILED",
                "usage after FAILED");
    }

    @Test
    void anUnexpectedExceptionThrownByAStageIsAFailedAnswerNotAnEscapedException() {
        IllegalStateException bug = new IllegalStateException("bug");
        Pipeline p = new Pipeline(List.of(around(StageOrder.USAGE_RECORDING, "usage"),
                stage(StageOrder.REQUEST_VALIDATION, (ex, next) -> {
                    throw bug;
                }),
                stage(StageOrder.TERMINAL, (ex, next) -> Future.succeededFuture(Answer.json(200, "{}")))));

        Future<Answer> run = p.run(exchange());

        assertThat(run.succeeded()).isTrue();
        Answer.Failed failed = (Answer.Failed) run.result();
        assertThat(failed.error()).isSameAs(bug);
        assertThat(failed.apiError()).isNull();
        failed.ended(new Ending(500, Outcome.FAILED, "internal_error"));
        assertThat(log).containsExactly("usage before", "usage after FAILED");
    }

    @Test
    void aStageThatPassesTheAnswerOnUntouchedHandsBackTheAnswerOfTheStagesAfterIt() {
        Promise<Answer> upstream = Promise.promise();
        Pipeline p = new Pipeline(List.of(stage(StageOrder.KEY_SCOPE, (ex, next) -> next.proceed(ex)),
                stage(StageOrder.MODEL_ACCESS, (ex, next) -> next.proceed(ex)),
                stage(StageOrder.TERMINAL, (ex, next) -> upstream.future())));

        Future<Answer> run = p.run(exchange());
        Answer whole = Answer.json(200, "{}");
        upstream.complete(whole);

        assertThat(run.result()).isSameAs(whole);
    }

    @Test
    void aStageThatProceedsTwiceKeepsTheWorkOfTheLastAnswerWhenItFails() {
        List<Answer> answers = new ArrayList<>();
        Pipeline p = new Pipeline(List.of(
                stage(StageOrder.MODEL_FALLBACK, (ex, next) -> next.proceed(ex)
                        .compose(first -> next.proceed(ex))
                        .compose(second -> Future.failedFuture(ApiException.of(ErrorKind.BAD_GATEWAY)))),
                stage(StageOrder.TERMINAL, (ex, next) -> {
                    Answer a = Answer.json(200, "{}");
                    int n = answers.size();
                    a.whenDone(e -> log.add("call " + n + " done"));
                    answers.add(a);
                    return Future.succeededFuture(a);
                })));

        Answer answer = p.run(exchange()).result();

        assertThat(((Answer.Failed) answer).apiError().kind()).isEqualTo(ErrorKind.BAD_GATEWAY);
        answer.ended(new Ending(502, Outcome.FAILED, "bad_gateway"));
        assertThat(log).containsExactly("call 1 done");
    }

    @Test
    void failingEndOfRequestWorkIsLoggedAndTheRestStillRunsInOrder() {
        Promise<Void> later = Promise.promise();
        Answer answer = Answer.json(200, "{}")
                .whenDone(e -> log.add("first"))
                .whenDone(e -> {
                    throw new IllegalStateException("sync work failed");
                })
                .whenDoneAsync(e -> Future.failedFuture(new IllegalStateException("async work failed at once")))
                .whenDone(e -> log.add("after the failures"))
                .whenDoneAsync(e -> {
                    log.add("pending");
                    return later.future();
                })
                .whenDone(e -> log.add("after the pending one"));

        Future<Void> ended = answer.ended(new Ending(200, Outcome.COMPLETED, null));

        assertThat(log).containsExactly("first", "after the failures", "pending");
        assertThat(ended.isComplete()).isFalse();
        later.fail(new IllegalStateException("async work failed later"));
        assertThat(log).containsExactly("first", "after the failures", "pending", "after the pending one");
        assertThat(ended.succeeded()).isTrue();
    }

    @Test
    void workAttachedWithoutAFutureRunsInTheSameOrderAsMappedWorkWhetherTheAnswerCameAtOnceOrLater() {
        for (boolean later : new boolean[] {false, true}) {
            log.clear();
            Promise<Answer> upstream = Promise.promise();
            Answer whole = Answer.json(200, "{}");
            if (!later) upstream.complete(whole);
            Pipeline p = new Pipeline(List.of(attaching(StageOrder.USAGE_RECORDING, "usage"),
                    around(StageOrder.RATE_LIMITS, "limits"),
                    attaching(StageOrder.ADMISSION_CONTROL, "admission"),
                    attaching(StageOrder.LIVE_TRAFFIC_METERING, "live"),
                    stage(StageOrder.TERMINAL, (ex, next) -> upstream.future())));

            Future<Answer> run = p.run(exchange());
            if (later) {
                assertThat(run.isComplete()).isFalse();
                upstream.complete(whole);
            }
            assertThat(run.result()).isSameAs(whole);
            whole.ended(new Ending(200, Outcome.COMPLETED, null));
            assertThat(log).as("answer came " + (later ? "later" : "at once")).containsExactly("usage before",
                    "limits before", "admission before", "live before", "live after COMPLETED",
                    "admission after COMPLETED", "limits after COMPLETED", "usage after COMPLETED");
        }
    }

    @Test
    void aStageFailingAroundAttachedWorkKeepsIt() {
        failingOnALaterAnswerKeepsTheWorkAround(this::attaching);
    }

    @Test
    void aStageThatOnlyPassesThroughKeepsItsPlaceInTheOrderButIsNotCalled() {
        Stage passing = new Stage() {
            @Override
            public StageOrder order() {
                return StageOrder.SLOW_DOWN_GUARD;
            }

            @Override
            public Future<Answer> apply(Exchange ex, Chain next) {
                log.add("called");
                return next.proceed(ex);
            }

            @Override
            public boolean passesThrough() {
                return true;
            }
        };
        Answer whole = Answer.json(200, "{}");
        Pipeline p = new Pipeline(List.of(around(StageOrder.RATE_LIMITS, "limits"), passing,
                around(StageOrder.ADMISSION_CONTROL, "admission"),
                stage(StageOrder.TERMINAL, (ex, next) -> Future.succeededFuture(whole))));

        Answer answer = p.run(exchange()).result();
        answer.ended(new Ending(200, Outcome.COMPLETED, null));

        assertThat(answer).isSameAs(whole);
        assertThat(log).containsExactly("limits before", "admission before", "admission after COMPLETED",
                "limits after COMPLETED");
        assertThat(p.stages()).contains(passing);
    }

    @Test
    void anInheritedAnswerRunsTheInnerWorkFirst() {
        Answer inner = Answer.json(200, "{}").whenDone(e -> log.add("inner"));
        Answer outer = Answer.failed(new IllegalStateException()).whenDone(e -> log.add("outer")).inherit(inner);

        assertThat(outer.ended(new Ending(500, Outcome.FAILED, "internal_error")).succeeded()).isTrue();
        assertThat(log).containsExactly("inner", "outer");
    }
}
