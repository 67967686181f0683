package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhasesTest {
    private static final long S = 1_000_000_000L;

    @Test
    void aSpecIsDelayMillisecondsAndSecondsPerPhaseInOrder() {
        Phases p = Phases.parse("100:10, 300:10,100:10");

        assertThat(p.phases()).containsExactly(new Phases.Phase(100, 10), new Phases.Phase(300, 10), new Phases.Phase(100, 10));
        assertThat(p.totalSeconds()).isEqualTo(30);
        assertThat(p.totalNanos()).isEqualTo(30 * S);
        assertThat(p.spec()).isEqualTo("100:10,300:10,100:10");
    }

    @Test
    void eachInstantBelongsToThePhaseWhoseSpanHoldsItBoundariesToTheNextOne() {
        Phases p = Phases.parse("100:10,300:2.5,100:10");

        assertThat(p.indexAt(0)).isZero();
        assertThat(p.indexAt(10 * S - 1)).isZero();
        assertThat(p.indexAt(10 * S)).isEqualTo(1);
        assertThat(p.indexAt(12 * S + S / 2 - 1)).isEqualTo(1);
        assertThat(p.indexAt(12 * S + S / 2)).isEqualTo(2);
        assertThat(p.at(11 * S).delayMs()).isEqualTo(300);
        assertThat(p.startSeconds(2)).isEqualTo(12.5);
    }

    @Test
    void theWarmUpRunsAtTheFirstDelayAndTheGracePeriodAtTheLast() {
        Phases p = Phases.parse("50:5,400:5");

        assertThat(p.at(-3 * S).delayMs()).isEqualTo(50);
        assertThat(p.at(60 * S).delayMs()).isEqualTo(400);
    }

    @Test
    void labelsSayTheStepAgainstTheFirstPhase() {
        Phases p = Phases.parse("100:10,300:10,100:10,40:5");

        assertThat(p.label(0)).isEqualTo("100 ms");
        assertThat(p.label(1)).isEqualTo("300 ms (+200)");
        assertThat(p.label(2)).isEqualTo("100 ms");
        assertThat(p.label(3)).isEqualTo("40 ms (−60)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "100", "100:", ":10", "100:10:3", "a:10", "100:b", "-1:10", "100:0", "100:-2",
            "600001:10", "100:10,,300:10", "100:Infinity", "100:NaN"})
    void aBadSpecIsRefusedNamingTheFormat(String spec) {
        assertThatThrownBy(() -> Phases.parse(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageFindingMatch("DELAY_MS:SECONDS|delay must be|duration must be|no phases");
    }

    @Test
    void theSimulatorsOwnBoundsAreTheDelaysBounds() {
        assertThat(Phases.parse("0:1,600000:1").phases()).extracting(Phases.Phase::delayMs).containsExactly(0, 600_000);
    }
}
