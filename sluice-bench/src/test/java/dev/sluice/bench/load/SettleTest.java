package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettleTest {

    /** A JVM whose compilers use the given share of a core during each successive step (one step = 5 s). */
    private static final class Jvm {
        final AtomicLong clock = new AtomicLong();
        final AtomicLong compiler = new AtomicLong();
        final List<Double> shares;
        int steps;

        Jvm(Double... shares) {
            this.shares = new ArrayList<>(List.of(shares));
        }

        void step() {
            double share = shares.get(Math.min(steps, shares.size() - 1));
            steps++;
            clock.addAndGet(5_000_000_000L);
            compiler.addAndGet((long) (share * 5_000_000_000L));
        }

        Settle.Outcome settle(int minSteps, int maxSeconds) throws Exception {
            return Settle.run(this::step, compiler::get, clock::get, 5, minSteps, maxSeconds, 0.1);
        }
    }

    @Test
    void stepsUntilTheCompilersAreQuietAndReportsTheLastStep() throws Exception {
        Jvm jvm = new Jvm(0.9, 0.4, 0.05, 0.0);
        Settle.Outcome o = jvm.settle(1, 150);
        assertEquals(3, jvm.steps);
        assertEquals(15, o.seconds());
        assertEquals(0.05, o.compilerCores(), 1e-9);
        assertTrue(o.settled());
    }

    @Test
    void takesAtLeastTheMinimumStepsEvenWhenTheFirstLooksQuiet() throws Exception {
        // the generator's first run: the compilers have not started yet when a short step ends
        Jvm jvm = new Jvm(0.0, 0.5, 0.02);
        Settle.Outcome o = jvm.settle(2, 60);
        assertEquals(3, jvm.steps);
        assertTrue(o.settled());
    }

    @Test
    void stopsWhenTheTimeIsSpentAndSaysItDidNotSettle() throws Exception {
        Jvm jvm = new Jvm(0.8);
        Settle.Outcome o = jvm.settle(1, 22);
        assertEquals(4, jvm.steps); // 4 × 5 s fit in 22 s, a fifth would not
        assertEquals(20, o.seconds());
        assertFalse(o.settled());
        assertEquals(0.8, o.compilerCores(), 1e-9);
    }

    @Test
    void noTimeNoStep() throws Exception {
        Jvm jvm = new Jvm(0.8);
        Settle.Outcome o = jvm.settle(1, 4);
        assertEquals(0, jvm.steps);
        assertEquals(0, o.seconds());
        assertFalse(o.settled());
        assertTrue(Double.isNaN(o.compilerCores()));
    }
}
