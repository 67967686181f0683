package dev.sluice.bench;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Ending;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Pipeline;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.usage.Outcome;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the stage chain itself (issue 13): the model-request pipeline's 20 places, each a stage of the shape the
 * real one has, doing no work of its own — most check and pass on ({@code next.proceed(ex)}), four look something up
 * in a cache that answers with a complete future and then pass on ({@code compose}), five attach end-of-request work
 * to the answer ({@code map} + {@code whenDone}). The terminal answers at once ({@code sync}: an error or cached
 * answer) or after the pipeline has returned ({@code async}: the upstream call). One operation runs the pipeline and
 * ends the answer. Run with {@code -prof gc} for bytes per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineBenchmark {
    @Param({"sync", "async"})
    public String terminal;

    private Pipeline pipeline;
    private Promise<Answer> upstream;
    private final Future<Void> notCancelled = Promise.<Void>promise().future();
    private static final Future<String> CACHED = Future.succeededFuture("policy");
    private static final Ending ENDING = new Ending(200, Outcome.COMPLETED, null);
    private long ended;

    @Setup
    public void setup() {
        List<Stage> stages = new ArrayList<>();
        for (StageOrder o : StageOrder.values()) {
            if (o == StageOrder.TERMINAL) {
                stages.add(stage(o, (ex, next) -> terminal.equals("sync")
                        ? Future.succeededFuture(Answer.json(200, "{}")) : (upstream = Promise.promise()).future()));
            } else {
                stages.add(stage(o, switch (o) {
                    case API_KEY_AUTHENTICATION, IP_ALLOWLIST, REGION_POLICY, MODEL_ACCESS ->
                            (ex, next) -> CACHED.compose(p -> next.proceed(ex));
                    case USAGE_RECORDING, RATE_LIMITS, ADMISSION_CONTROL, MODEL_FALLBACK, LIVE_TRAFFIC_METERING ->
                            (ex, next) -> next.proceed(ex).map(a -> a.whenDone(e -> ended++));
                    default -> (ex, next) -> next.proceed(ex);
                }));
            }
        }
        pipeline = new Pipeline(stages);
    }

    private interface Body {
        Future<Answer> apply(Exchange ex, Stage.Chain next);
    }

    private static Stage stage(StageOrder order, Body body) {
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

    @Benchmark
    public long run() {
        Exchange ex = new Exchange("req_bench", 0, Endpoint.CHAT_COMPLETIONS, "POST", "/v1/chat/completions",
                MultiMap.caseInsensitiveMultiMap(), null, "127.0.0.1", null, work -> null, notCancelled);
        Future<Answer> run = pipeline.run(ex);
        if (upstream != null) {
            upstream.complete(Answer.json(200, "{}"));
            upstream = null;
        }
        run.result().ended(ENDING);
        return ended;
    }
}
