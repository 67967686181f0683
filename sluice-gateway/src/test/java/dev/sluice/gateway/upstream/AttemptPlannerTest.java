package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.testing.FakeTime;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/** The planner alone: per-deployment states on a hand-moved clock and a random source the test chooses. */
class AttemptPlannerTest {
    static final long TOTAL_MS = 10_000;
    final FakeTime time = new FakeTime();
    final AttemptPlanner planner = new AttemptPlanner(new RetryPolicy(4, 200, 1000, 5000));

    DeploymentState state(String name, int breakerThreshold) {
        Deployment d = new Deployment(name, "openai", "http://127.0.0.1:1/v1", null, null, 0);
        return new DeploymentState(d, new CircuitBreaker(name, breakerThreshold, Duration.ofSeconds(30), time),
                new RetryBudget(new SluiceConfig.RetryBudget(false, 0.1, 1, 10_000), time));
    }

    /** A random source whose every {@code nextDouble} is {@code v}. */
    static RandomGenerator draw(double v) {
        return RetryPolicyTest.fixed(v);
    }

    AttemptPlanner.Step next(List<DeploymentState> plan, int last, int attempts) {
        return planner.next(plan, last, attempts, time.nanos(), time.elapsed().toMillis(), TOTAL_MS);
    }

    static Failure unavailable() {
        return Failure.ofStatus(503, ApiException.of(ErrorKind.BAD_GATEWAY), -1);
    }

    @Test
    void theFirstAttemptGoesToTheFirstDeploymentAtOnce() {
        List<DeploymentState> plan = List.of(state("a", 5), state("b", 5));
        assertThat(next(plan, -1, 0)).isEqualTo(new AttemptPlanner.Launch(0, 0));
    }

    @Test
    void aRetryableFailureMovesToTheNextDeploymentFirst() {
        List<DeploymentState> plan = List.of(state("a", 5), state("b", 5));
        planner.failed(plan.get(0), unavailable(), time.nanos(), draw(0.5));
        assertThat(next(plan, 0, 1)).isEqualTo(new AttemptPlanner.Launch(1, 0));
    }

    @Test
    void backoffJitterTakesOffAtMostAQuarterOfTheExponentialStep() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            DeploymentState a = state("a", 100);
            planner.failed(a, unavailable(), time.nanos(), random);
            AttemptPlanner.Launch l = (AttemptPlanner.Launch) next(List.of(a), 0, 1);
            assertThat(l.delayMs()).isBetween(150L, 200L);
            planner.failed(a, unavailable(), time.nanos(), random);
            l = (AttemptPlanner.Launch) next(List.of(a), 0, 2);
            assertThat(l.delayMs()).isBetween(300L, 400L);
        }
        DeploymentState lowest = state("a", 100);
        planner.failed(lowest, unavailable(), time.nanos(), draw(0.0));
        assertThat(next(List.of(lowest), 0, 1)).isEqualTo(new AttemptPlanner.Launch(0, 150));
    }

    @Test
    void theWaitShrinksAsTimePasses() {
        DeploymentState a = state("a", 5);
        planner.failed(a, unavailable(), time.nanos(), draw(1.0));
        time.advance(Duration.ofMillis(120));
        assertThat(next(List.of(a), 0, 1)).isEqualTo(new AttemptPlanner.Launch(0, 80));
        time.advance(Duration.ofMillis(80));
        assertThat(next(List.of(a), 0, 1)).isEqualTo(new AttemptPlanner.Launch(0, 0));
    }

    @Test
    void anUpstreamRetryAfterLongerThanTheBackoffIsHonoured() {
        DeploymentState a = state("a", 5);
        planner.failed(a, Failure.ofStatus(429, ApiException.of(ErrorKind.BAD_GATEWAY), 1200), time.nanos(), draw(1.0));
        assertThat(next(List.of(a), 0, 1)).isEqualTo(new AttemptPlanner.Launch(0, 1200));
    }

    @Test
    void aShorterRetryAfterDoesNotCutTheBackoff() {
        DeploymentState a = state("a", 5);
        planner.failed(a, Failure.ofStatus(429, ApiException.of(ErrorKind.BAD_GATEWAY), 10), time.nanos(), draw(1.0));
        assertThat(next(List.of(a), 0, 1)).isEqualTo(new AttemptPlanner.Launch(0, 200));
    }

    @Test
    void aRetryAfterBeyondTheCapTakesTheDeploymentOutOfTheRequest() {
        List<DeploymentState> plan = List.of(state("a", 5), state("b", 5));
        planner.failed(plan.get(0), Failure.ofStatus(429, ApiException.of(ErrorKind.BAD_GATEWAY), 6000), time.nanos(),
                draw(1.0));
        planner.failed(plan.get(1), unavailable(), time.nanos(), draw(1.0));
        assertThat(next(plan, 1, 2)).as("only b is left").isEqualTo(new AttemptPlanner.Launch(1, 200));
    }

    @Test
    void aDeploymentWithAnOpenCircuitIsSkipped() {
        List<DeploymentState> plan = List.of(state("a", 1), state("b", 5));
        plan.get(0).breaker().onFailure(); // threshold 1: open for 30 s
        assertThat(next(plan, -1, 0)).isEqualTo(new AttemptPlanner.Launch(1, 0));
        time.advance(Duration.ofSeconds(30));
        assertThat(next(plan, -1, 0)).as("half-open: a probe may go").isEqualTo(new AttemptPlanner.Launch(0, 0));
    }

    @Test
    void everyCircuitOpenGivesUp() {
        List<DeploymentState> plan = List.of(state("a", 1));
        plan.getFirst().breaker().onFailure();
        assertThat(next(plan, -1, 0)).isInstanceOf(AttemptPlanner.GiveUp.class);
    }

    @Test
    void aWaitThatWouldOutlastTheRequestsBudgetGivesUp() {
        DeploymentState a = state("a", 5);
        planner.failed(a, Failure.ofStatus(429, ApiException.of(ErrorKind.BAD_GATEWAY), 3000), time.nanos(), draw(1.0));
        assertThat(planner.next(List.of(a), 0, 1, time.nanos(), 0, 3001)).isEqualTo(new AttemptPlanner.Launch(0, 3000));
        assertThat(planner.next(List.of(a), 0, 1, time.nanos(), 0, 3000)).isInstanceOf(AttemptPlanner.GiveUp.class);
        time.advance(Duration.ofMillis(2000));
        assertThat(planner.next(List.of(a), 0, 1, time.nanos(), 2000, 3000))
                .as("1 s left to wait, 1 s of budget left").isInstanceOf(AttemptPlanner.GiveUp.class);
        assertThat(planner.next(List.of(a), 0, 1, time.nanos(), 1999, 3000)).isEqualTo(new AttemptPlanner.Launch(0, 1000));
    }

    @Test
    void theAttemptsAreSpentAfterMaxAttempts() {
        List<DeploymentState> plan = List.of(state("a", 5), state("b", 5));
        assertThat(next(plan, 1, 4)).isInstanceOf(AttemptPlanner.GiveUp.class);
    }

    @Test
    void aDeploymentThatCannotServeIsNotTriedAgain() {
        List<DeploymentState> plan = List.of(state("a", 5), state("b", 5));
        planner.failed(plan.get(1), Failure.otherDeployment(ApiException.of(ErrorKind.BAD_GATEWAY),
                Failure.Health.FAILURE), time.nanos(), draw(1.0));
        planner.failed(plan.get(0), unavailable(), time.nanos(), draw(1.0));
        assertThat(next(plan, 0, 2)).isEqualTo(new AttemptPlanner.Launch(0, 200));
    }

    @Test
    void withTheSameJitterTheDeploymentThatFailedFirstGoesFirstAgain() {
        List<DeploymentState> plan = List.of(state("a", 5), state("b", 5));
        RandomGenerator same = draw(0.5);
        planner.failed(plan.get(0), unavailable(), time.nanos(), same);
        assertThat(next(plan, 0, 1)).isEqualTo(new AttemptPlanner.Launch(1, 0));
        time.advance(Duration.ofMillis(3));
        planner.failed(plan.get(1), unavailable(), time.nanos(), same);
        assertThat(next(plan, 1, 2)).as("a, then b, then a again").isEqualTo(new AttemptPlanner.Launch(0, 172));
    }

    @Test
    void differentJitterDrawsCanReorderTheRetries() {
        List<DeploymentState> plan = List.of(state("a", 5), state("b", 5));
        planner.failed(plan.get(0), unavailable(), time.nanos(), draw(1.0)); // a: 200 ms
        time.advance(Duration.ofMillis(3));
        planner.failed(plan.get(1), unavailable(), time.nanos(), draw(0.0)); // b: 150 ms
        assertThat(next(plan, 1, 2)).isEqualTo(new AttemptPlanner.Launch(1, 150));
    }
}
