package dev.sluice.gateway.time;

import dev.sluice.protocol.time.Timers;
import dev.sluice.testing.FakeTime;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TimerWheelTest {
    final FakeTime time = new FakeTime();
    final List<String> ran = new ArrayList<>();

    TimerWheel wheel(long tickMs, int slots) {
        return new TimerWheel(time, time, tickMs, slots);
    }

    void advanceMs(long ms) {
        time.advance(Duration.ofMillis(ms));
    }

    @Test
    void aTaskRunsNoEarlierThanItsDelayAndWithinOneTickAfterIt() {
        TimerWheel w = wheel(10, 64);
        advanceMs(3); // not on a tick boundary
        w.schedule(25, () -> ran.add("a"));
        advanceMs(24);
        assertThat(ran).isEmpty();
        advanceMs(1 + 10);
        assertThat(ran).containsExactly("a");
        assertThat(w.pending()).isZero();
    }

    @Test
    void aCancelledTaskNeverRunsAndCancelSaysWhetherItStoppedIt() {
        TimerWheel w = wheel(10, 64);
        Timers.Timer t = w.schedule(50, () -> ran.add("cancelled"));
        w.schedule(50, () -> ran.add("kept"));
        assertThat(t.cancel()).isTrue();
        assertThat(t.cancel()).isFalse();
        assertThat(w.pending()).isEqualTo(1);
        advanceMs(100);
        assertThat(ran).containsExactly("kept");
        Timers.Timer done = w.schedule(5, () -> ran.add("done"));
        advanceMs(20);
        assertThat(done.cancel()).isFalse(); // it already ran
        assertThat(ran).containsExactly("kept", "done");
    }

    @Test
    void tasksRunInDueOrderAcrossTicksAndInScheduleOrderWithinOne() {
        TimerWheel w = wheel(10, 64);
        w.schedule(300, () -> ran.add("300"));
        w.schedule(19, () -> ran.add("19"));
        w.schedule(100, () -> ran.add("100"));
        w.schedule(11, () -> ran.add("11, same tick as 19")); // time starts at 0: both fall in the 20 ms tick
        w.schedule(5, () -> ran.add("5"));
        advanceMs(1_000);
        assertThat(ran).containsExactly("5", "19", "11, same tick as 19", "100", "300");
    }

    @Test
    void timersFurtherThanOneTurnOfTheWheelWaitTheirTurns() {
        TimerWheel w = wheel(10, 8); // one turn: 80 ms
        w.schedule(45, () -> ran.add("45"));
        w.schedule(45 + 80, () -> ran.add("125, same slot one turn later"));
        w.schedule(45 + 800, () -> ran.add("845"));
        advanceMs(60);
        assertThat(ran).containsExactly("45");
        advanceMs(60);
        assertThat(ran).containsExactly("45");
        advanceMs(20);
        assertThat(ran).containsExactly("45", "125, same slot one turn later");
        advanceMs(700);
        assertThat(ran).hasSize(2);
        advanceMs(40);
        assertThat(ran).containsExactly("45", "125, same slot one turn later", "845");
    }

    @Test
    void manyTimersAllRunOnceEachAndTheDriverStopsWhenNoneIsPending() {
        TimerWheel w = wheel(10, 16);
        int[] runs = new int[10_000];
        List<Timers.Timer> timers = new ArrayList<>();
        for (int i = 0; i < runs.length; i++) {
            int k = i;
            timers.add(w.schedule(1 + i % 997, () -> runs[k]++));
        }
        for (int i = 0; i < runs.length; i += 3) timers.get(i).cancel();
        advanceMs(1_010);
        for (int i = 0; i < runs.length; i++) assertThat(runs[i]).as("timer " + i).isEqualTo(i % 3 == 0 ? 0 : 1);
        assertThat(w.pending()).isZero();
        assertThat(time.pending()).as("no driver task left armed").isZero();
    }

    @Test
    void aTaskMayScheduleAnotherWhichRunsOnALaterTick() {
        TimerWheel w = wheel(10, 64);
        w.schedule(10, () -> {
            ran.add("first");
            w.schedule(1, () -> ran.add("second"));
        });
        advanceMs(10);
        assertThat(ran).containsExactly("first");
        advanceMs(10);
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void aWheelIdleForLongStartsAfreshAndALateDriverCatchesUp() {
        TimerWheel w = wheel(10, 8);
        w.schedule(10, () -> ran.add("early"));
        advanceMs(10);
        advanceMs(5_000); // idle: no driver task pending
        assertThat(time.pending()).isZero();
        w.schedule(30, () -> ran.add("after idle"));
        advanceMs(29);
        assertThat(ran).containsExactly("early");
        advanceMs(11);
        assertThat(ran).containsExactly("early", "after idle");
    }

    @Test
    void aTimerCancelledOnAnotherThreadDoesNotRunAndIsDroppedWhenItsSlotIsVisited() throws Exception {
        TimerWheel w = wheel(10, 64);
        Timers.Timer t = w.schedule(50, () -> ran.add("cancelled elsewhere"));
        CompletableFuture<Boolean> cancelled = CompletableFuture.supplyAsync(t::cancel);
        assertThat(cancelled.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(t.cancel()).isFalse();
        advanceMs(100);
        assertThat(ran).isEmpty();
        assertThat(w.pending()).isZero();
    }

    @Test
    void aFailingTaskDoesNotStopTheOthers() {
        TimerWheel w = wheel(10, 64);
        w.schedule(10, () -> {
            throw new IllegalStateException("boom");
        });
        w.schedule(10, () -> ran.add("after the failure"));
        advanceMs(20);
        assertThat(ran).containsExactly("after the failure");
    }
}
