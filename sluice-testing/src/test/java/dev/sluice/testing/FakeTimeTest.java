package dev.sluice.testing;

import dev.sluice.protocol.time.Ticker;
import dev.sluice.protocol.time.Timers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FakeTimeTest {
    @Test
    void tasksRunOnlyWhenTimeIsMovedPastThemAndInDueOrder() {
        FakeTime time = new FakeTime();
        List<String> ran = new ArrayList<>();
        time.schedule(300, () -> ran.add("c"));
        time.schedule(100, () -> ran.add("a"));
        time.schedule(100, () -> ran.add("b"));
        time.advance(Duration.ofMillis(99));
        assertThat(ran).isEmpty();
        time.advance(Duration.ofMillis(1));
        assertThat(ran).containsExactly("a", "b");
        time.advance(Duration.ofMillis(500));
        assertThat(ran).containsExactly("a", "b", "c");
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(600));
    }

    @Test
    void aTaskSeesTheTimeItWasDueAtAndMayScheduleAnother() {
        FakeTime time = new FakeTime();
        List<Long> seen = new ArrayList<>();
        time.schedule(100, () -> {
            seen.add(time.nanos() / 1_000_000);
            time.schedule(50, () -> seen.add(time.nanos() / 1_000_000));
        });
        time.advance(Duration.ofSeconds(1));
        assertThat(seen).containsExactly(100L, 150L);
    }

    @Test
    void aCancelledTaskNeverRuns() {
        FakeTime time = new FakeTime();
        List<String> ran = new ArrayList<>();
        Timers.Timer t = time.schedule(10, () -> ran.add("x"));
        assertThat(t.cancel()).isTrue();
        assertThat(t.cancel()).isFalse();
        time.advance(Duration.ofSeconds(1));
        assertThat(ran).isEmpty();
        assertThat(time.pending()).isZero();
    }

    @Test
    void clockTickerAndSleepsMoveTogether() {
        FakeTime time = FakeTime.at("2026-01-01T00:00:00Z");
        Ticker ticker = Ticker.of(time);
        assertThat(ticker).isSameAs(time);
        time.sleep(Duration.ofMillis(1500));
        assertThat(time.instant().toString()).isEqualTo("2026-01-01T00:00:01.500Z");
        assertThat(ticker.nanos()).isEqualTo(1_500_000_000L);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(1500));
    }
}
