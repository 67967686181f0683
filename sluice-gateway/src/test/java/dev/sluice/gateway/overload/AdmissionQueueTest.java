package dev.sluice.gateway.overload;

import dev.sluice.gateway.config.choice.AdmissionAlgorithm;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A caller that leaves while its request waits in the admission queue gives its place up at once. */
class AdmissionQueueTest {
    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aQueuedCallerThatLeavesIsDroppedFromTheQueueWithoutReachingTheUpstream() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        // one slot, a queue whose deadline never comes during the test
        AdmissionControl admission = new AdmissionControl(vertx,
                new SluiceConfig.Overload(true, AdmissionAlgorithm.FIXED, 1, 1, 1, 10, 3_600_000, 1, 20_000), metrics, System::nanoTime);
        assertThat(admission.acquireForTest()).isPresent(); // another request holds the only slot
        Promise<Void> cancel = Promise.promise();
        Exchange ex = new Exchange("req_1", 0, Endpoint.CHAT_COMPLETIONS, "POST", "/v1/chat/completions",
                MultiMap.caseInsensitiveMultiMap(), null, "127.0.0.1", null, work -> null, cancel.future());
        boolean[] upstreamCalled = {false};

        Future<Answer> answer = admission.apply(ex, e -> {
            upstreamCalled[0] = true;
            return Future.succeededFuture(Answer.json(200, "{}"));
        });
        assertThat(answer.isComplete()).isFalse();
        assertThat(metrics.get("sluice_admission_queued").gauge().value()).isEqualTo(1);

        cancel.complete(); // the caller's connection closed

        assertThat(answer.isComplete()).as("the request left the queue when its caller did").isTrue();
        assertThat(metrics.get("sluice_admission_queued").gauge().value()).isZero();
        assertThat(upstreamCalled[0]).isFalse();
        assertThat(metrics.get("sluice_admission_shed").tag("reason", "queue_timeout").counter().count()).isZero();
    }
}
