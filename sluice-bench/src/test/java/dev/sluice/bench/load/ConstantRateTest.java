package dev.sluice.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The generator's closed loop against a real server on a loopback port. */
class ConstantRateTest {
    private Vertx vertx;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A server that holds each request 20 ms and answers {@code status}, counting how many it held at once. */
    private int server(int status) throws Exception {
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            vertx.setTimer(20, t -> {
                open.decrementAndGet();
                served.incrementAndGet();
                req.response().setStatusCode(status).end("{}");
            });
        }));
        return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
    }

    @Test
    void theClosedLoopKeepsEveryConnectionBusyAndCountsOnlyTheMeasuredAnswers() throws Exception {
        int port = server(200);

        ConstantRate.ClosedLoop r = ConstantRate.closedLoop(vertx, "127.0.0.1", port, BenchRequest.chat("sk-test"), 4,
                Duration.ofMillis(300), Duration.ofSeconds(1));

        assertThat(mostOpen.get()).isEqualTo(4);
        assertThat(r.failed()).isZero();
        assertThat(r.requestsPerSecond()).isPositive();
        // the unrecorded stretch's answers are served but not counted
        assertThat((double) served.get()).isGreaterThan(r.requestsPerSecond());
        assertThat(r.generatorCpuMicros()).isPositive();
    }

    @Test
    void answersThatAreNotTwoHundredsAreFailuresNotThroughput() throws Exception {
        int port = server(503);

        ConstantRate.ClosedLoop r = ConstantRate.closedLoop(vertx, "127.0.0.1", port, BenchRequest.chat("sk-test"), 2,
                Duration.ZERO, Duration.ofMillis(500));

        assertThat(r.requestsPerSecond()).isZero();
        assertThat(r.failed()).isPositive();
    }
}
