package dev.sluice.gateway.lifecycle;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.protocol.ErrorKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The drain's bookkeeping: the in-flight count, the wait and its early end, and an abort that finds its stage. */
class InFlightRequestsTest {
    static Exchange exchange() {
        return new Exchange("req_1", 0, Endpoint.values()[0], "POST", "/v1/chat/completions", null, null,
                "127.0.0.1", null, work -> null,
                io.vertx.core.Promise.<Void>promise().future());
    }

    @Test
    void theWaitEndsWhenTheLastRequestLeavesAndLeavingTwiceCountsOnce() throws Exception {
        InFlightRequests in = new InFlightRequests();
        InFlightRequests.Ticket a = in.enter(null), b = in.enter(null);
        assertThat(in.count()).isEqualTo(2);
        a.leave();
        a.leave();
        assertThat(in.count()).isEqualTo(1);
        assertThat(in.awaitIdle(System.nanoTime())).as("deadline already passed, one left").isFalse();
        b.leave();
        assertThat(in.awaitIdle(System.nanoTime() + TimeUnit.HOURS.toNanos(1))).isTrue();
    }

    @Test
    void requestsEnteringOnManyThreadsAreCountedAndAWaitEndsWhenOthersLeaveThem() throws Exception {
        InFlightRequests in = new InFlightRequests();
        List<InFlightRequests.Ticket> tickets = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int k = 0; k < 100; k++) tickets.add(in.enter(null));
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(in.count()).isEqualTo(800);

        var idle = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return in.awaitIdle(System.nanoTime() + TimeUnit.MINUTES.toNanos(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread leaver = Thread.ofPlatform().start(() -> tickets.forEach(InFlightRequests.Ticket::leave));
        leaver.join();
        assertThat(idle.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(in.count()).isZero();
    }

    @Test
    void cutNowEndsTheWaitBeforeItsDeadline() throws Exception {
        InFlightRequests in = new InFlightRequests();
        in.enter(null);
        in.startDrain();
        assertThat(in.draining()).isTrue();
        in.cutNow();
        assertThat(in.awaitIdle(System.nanoTime() + TimeUnit.HOURS.toNanos(1))).isFalse();
    }

    @Test
    void anAbortBeforeTheTerminalStageRegisteredReachesItWhenItDoes() {
        Exchange ex = exchange();
        ApiException error = ApiException.of(ErrorKind.SERVER_SHUTTING_DOWN);
        assertThat(ex.abort(error)).isFalse();
        List<ApiException> told = new ArrayList<>();
        ex.onAbort(told::add);
        assertThat(told).containsExactly(error);
        assertThat(ex.abort(error)).isTrue();
        assertThat(told).hasSize(2);
    }
}
