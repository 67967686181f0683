package dev.sluice.gateway.http;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** What an event loop does before it waits, with a clock that advances 1 µs per look at the sockets. */
class SpinningEpollTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger looks = new AtomicInteger();

    /** Sockets that become ready ({@code ready} of them) after {@code idleLooks} looks, each look taking 1 µs. */
    private io.netty.util.IntSupplier sockets(int idleLooks, int ready) {
        return () -> {
            now.addAndGet(1_000);
            return looks.incrementAndGet() > idleLooks ? ready : 0;
        };
    }

    private SelectStrategy spinning(long micros) {
        return new SpinningEpoll(micros, now::get).strategy();
    }

    @Test
    void aSocketReadyWithinTheSpinIsTakenWithoutSleeping() throws Exception {
        int strategy = spinning(50).calculateStrategy(sockets(20, 3), false);
        assertThat(strategy).isEqualTo(3);
        assertThat(looks).hasValue(21);
    }

    @Test
    void nothingReadyWithinTheSpinMeansSleep() throws Exception {
        int strategy = spinning(50).calculateStrategy(sockets(1_000, 1), false);
        assertThat(strategy).isEqualTo(SelectStrategy.SELECT);
        assertThat(looks.get()).isBetween(50, 51); // 50 µs of looks at 1 µs each, not one more spell
    }

    @Test
    void queuedTasksGetOneLookAndNoSpin() throws Exception {
        assertThat(spinning(50).calculateStrategy(sockets(1_000, 1), true)).isEqualTo(0);
        assertThat(looks).hasValue(1);
        looks.set(0);
        assertThat(spinning(50).calculateStrategy(sockets(0, 2), true)).isEqualTo(2);
        assertThat(looks).hasValue(1);
    }

    @Test
    void zeroMeansTheVertxTransportAsIs() {
        assertThat(SpinningEpoll.orNull(0)).isNull();
    }
}
