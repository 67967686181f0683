package dev.sluice.gateway.pipeline;

import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Futures gives what the Vert.x method gives, on a complete future (its own path) and on a pending one. */
class FuturesTest {
    private static final ApiException REFUSED = ApiException.of(ErrorKind.SERVER_OVERLOADED);

    @Test
    void composeOnACompleteFutureRunsTheNextStepAtOnce() {
        Future<String> r = Futures.compose(Future.succeededFuture(2), n -> Future.succeededFuture("x".repeat(n)));
        assertThat(r.result()).isEqualTo("xx");
    }

    @Test
    void composeOnAFailedFutureKeepsItsFailure() {
        Future<String> r = Futures.compose(Future.<Integer>failedFuture(REFUSED), n -> Future.succeededFuture("no"));
        assertThat(r.cause()).isSameAs(REFUSED);
    }

    @Test
    void anExceptionThrownByTheNextStepIsAFailedFutureAsWithVertx() {
        Function<Integer, Future<String>> throwing = n -> {
            throw REFUSED;
        };
        Future<String> ours = Futures.compose(Future.succeededFuture(1), throwing);
        Future<String> vertx = Future.succeededFuture(1).compose(throwing);
        assertThat(ours.failed()).isTrue();
        assertThat(ours.cause()).isSameAs(REFUSED).isSameAs(vertx.cause());
    }

    @Test
    void composeOnAPendingFutureWaitsForIt() {
        Promise<Integer> p = Promise.promise();
        Future<String> r = Futures.compose(p.future(), n -> Future.succeededFuture("x".repeat(n)));
        assertThat(r.isComplete()).isFalse();
        p.complete(3);
        assertThat(r.result()).isEqualTo("xxx");
    }

    @Test
    void recoverReplacesOnlyAFailure() {
        Future<Integer> ok = Future.succeededFuture(1);
        assertThat(Futures.recover(ok, e -> Future.succeededFuture(2))).isSameAs(ok);
        assertThat(Futures.recover(Future.<Integer>failedFuture(REFUSED), e -> Future.succeededFuture(2)).result())
                .isEqualTo(2);
        Future<Integer> rethrown = Futures.recover(Future.<Integer>failedFuture(new IllegalStateException()), e -> {
            throw REFUSED;
        });
        assertThat(rethrown.cause()).isSameAs(REFUSED);
        Promise<Integer> p = Promise.promise();
        Future<Integer> later = Futures.recover(p.future(), e -> Future.succeededFuture(7));
        p.fail(REFUSED);
        assertThat(later.result()).isEqualTo(7);
    }

    @Test
    void mapTransformsAValueAndTurnsAThrowIntoAFailure() {
        assertThat(Futures.map(Future.succeededFuture(2), n -> n * 10).result()).isEqualTo(20);
        assertThat(Futures.map(Future.<Integer>failedFuture(REFUSED), n -> n * 10).cause()).isSameAs(REFUSED);
        Future<Integer> thrown = Futures.map(Future.succeededFuture(2), n -> {
            throw REFUSED;
        });
        assertThat(thrown.cause()).isSameAs(REFUSED);
        Promise<Integer> p = Promise.promise();
        Future<Integer> later = Futures.map(p.future(), n -> n + 1);
        p.complete(4);
        assertThat(later.result()).isEqualTo(5);
    }
}
