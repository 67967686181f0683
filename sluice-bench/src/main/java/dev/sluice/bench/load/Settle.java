package dev.sluice.bench.load;

import java.util.function.LongSupplier;

/**
 * Warming a JVM until its JIT compilers are quiet: run a step of load, see how much CPU the compiler threads used
 * during it, and stop when that is under a share of a core (after at least {@code minSteps} steps) or when the time
 * allowed is spent. Used for each system under test (driven by wrk) and for the constant-rate generator in this JVM.
 */
final class Settle {

    /** One step of load, {@code stepSeconds} long. */
    interface Step {
        void run() throws Exception;
    }

    /**
     * @param seconds       how long the steps took together
     * @param compilerCores the compilers' share of a core during the last step (NaN when no step ran)
     * @param settled       whether that share fell under the bound before the time was up
     */
    record Outcome(int seconds, double compilerCores, boolean settled) {
    }

    private Settle() {
    }

    /**
     * @param compilerNanos CPU time of the JVM's compiler threads so far
     * @param clock         nanoseconds, monotonic
     */
    static Outcome run(Step step, LongSupplier compilerNanos, LongSupplier clock, int stepSeconds, int minSteps,
                       int maxSeconds, double cores) throws Exception {
        int spent = 0;
        int steps = 0;
        double share = Double.NaN;
        boolean quiet = false;
        while (!quiet && spent + stepSeconds <= maxSeconds) {
            long start = clock.getAsLong();
            long c0 = compilerNanos.getAsLong();
            step.run();
            share = (compilerNanos.getAsLong() - c0) / (double) Math.max(1, clock.getAsLong() - start);
            spent += stepSeconds;
            steps++;
            quiet = steps >= minSteps && share >= 0 && share < cores; // (a compiler thread that exited makes it negative)
        }
        return new Outcome(spent, share, quiet);
    }
}
