package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyRecorderTest {
    private static final long MS = 1_000_000;

    /**
     * 100 req/s for 10 s against a server answering in 1 ms, except that it stalls for 1 s at t = 5 s. A closed-loop
     * client would have sent one request during the stall and seen one slow answer; the open-loop schedule has 100
     * requests due during the stall, each waiting until the stall ends.
     */
    @Test
    void aStallDelaysEveryRequestDueDuringItNotJustTheOneInFlight() {
        Schedule schedule = new Schedule(0, 100);
        LatencyRecorder rec = new LatencyRecorder();
        long stallStart = 5_000 * MS, stallEnd = 6_000 * MS;
        long generatorFreeAt = 0;
        for (long i = 0; i < schedule.countWithin(10); i++) {
            long intended = schedule.intendedNanos(i);
            // the generator sends on time except while its one connection is stuck in the stall
            long sent = Math.max(intended, generatorFreeAt);
            long done = sent >= stallStart && sent < stallEnd ? stallEnd : sent + MS;
            generatorFreeAt = done;
            rec.record(intended, sent, done, null);
        }

        RateResult r = rec.result(100, 10, 1);

        assertThat(r.ok()).isEqualTo(1_000);
        assertThat(r.failures()).isEmpty();
        // from the actual send, only one request was slow: the service-time p99 stays at 1 ms
        assertThat(r.serviceP99Micros()).isCloseTo(1_000, within(10.0));
        // from the intended send, the 100 requests due during the stall waited 0..1 s: 10 % of the run
        assertThat(r.p99Micros()).isGreaterThan(800_000);
        assertThat(r.p50Micros()).isCloseTo(1_000, within(10.0));
        assertThat(r.maxMicros()).isCloseTo(1_000_000, within(2_000.0));
        assertThat(r.maxSendLagMicros()).isCloseTo(1_000_000, within(20_000.0));
    }

    @Test
    void anOnTimeRunHasTheSameCorrectedAndServiceLatencies() {
        Schedule schedule = new Schedule(0, 1_000);
        LatencyRecorder rec = new LatencyRecorder();
        for (long i = 0; i < 1_000; i++) {
            long t = schedule.intendedNanos(i);
            rec.record(t, t, t + 250_000 + (i % 10) * 10_000, null);
        }

        RateResult r = rec.result(1_000, 1, 1);

        assertThat(r.p99Micros()).isEqualTo(r.serviceP99Micros());
        assertThat(r.p50Micros()).isCloseTo(290, within(1.0));
        assertThat(r.maxSendLagMicros()).isZero();
        assertThat(r.achievedRate()).isEqualTo(1_000);
    }

    @Test
    void failuresAreCountedByCauseAndUnansweredRequestsCountUntilTheEnd() {
        LatencyRecorder rec = new LatencyRecorder();
        rec.record(0, 0, MS, null);
        rec.record(0, 0, MS, "503 server_overloaded");
        rec.record(0, 0, MS, "503 server_overloaded");
        rec.record(0, 0, 2 * MS, "connection reset");
        rec.unfinished(0, 7_000 * MS);

        RateResult r = rec.result(5, 1, 5);

        assertThat(r.ok()).isEqualTo(1);
        assertThat(r.failed()).isEqualTo(4);
        assertThat(r.failures()).isEqualTo(Map.of("503 server_overloaded", 2L, "connection reset", 1L,
                "no answer by the end of the run", 1L));
        assertThat(r.maxMicros()).isCloseTo(7_000_000, within(10_000.0));
        assertThat(r.achievedRate()).as("answered per second").isEqualTo(4);
    }

    @Test
    void recordersOfSeveralEventLoopsAddUpToOneRun() {
        LatencyRecorder even = new LatencyRecorder(), odd = new LatencyRecorder(), single = new LatencyRecorder();
        for (long i = 0; i < 1_000; i++) {
            long intended = i * MS, sent = intended + (i % 7) * 1_000, done = sent + 200_000 + (i % 13) * 50_000;
            String failure = i % 100 == 0 ? "503 server_overloaded" : null;
            (i % 2 == 0 ? even : odd).record(intended, sent, done, failure);
            single.record(intended, sent, done, failure);
        }
        odd.unfinished(0, 3_000 * MS);
        single.unfinished(0, 3_000 * MS);

        even.add(odd);

        assertThat(even.result(1_000, 1, 2)).isEqualTo(single.result(1_000, 1, 2));
    }
}
