package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AdmissionTraceTest {
    private static final long MS = 1_000_000L;
    private static final long START = 5_000 * MS;

    /** 1 s at 100 ms, 1 s at 300 ms, sampled every 500 ms: four rows, five samples. */
    private static AdmissionTrace trace(List<AdmissionTrace.Point> points) {
        IntervalStats s = new IntervalStats(START, 500 * MS, 4);
        for (int k = 0; k < 4; k++) {
            long t = START + k * 500 * MS;
            for (int i = 0; i < 10; i++) s.record(t, t, t + 100 * MS, 200, null);       // 10 × 2xx at 100 ms
            for (int i = 0; i < k; i++) s.record(t, t, t + MS, 503, "503 server_overloaded");
        }
        return new AdmissionTrace(Phases.parse("100:1,300:1"), 40, 500 * MS, points, s);
    }

    private static List<AdmissionTrace.Point> points() {
        return List.of(new AdmissionTrace.Point(200, 10, 0, 7), new AdmissionTrace.Point(210, 12, 0, 7),
                new AdmissionTrace.Point(150, 30, 5, 8), new AdmissionTrace.Point(60, 60, 100, 20),
                new AdmissionTrace.Point(75, 75, 100, 50));
    }

    @Test
    void eachRowHasTheGaugesAtItsEndAndWhatWasShedDuringIt() {
        List<AdmissionTrace.Row> rows = trace(points()).rows();

        assertThat(rows).hasSize(4);
        assertThat(rows).extracting(AdmissionTrace.Row::fromSeconds).containsExactly(0.0, 0.5, 1.0, 1.5);
        assertThat(rows).extracting(AdmissionTrace.Row::phase).containsExactly(0, 0, 1, 1);
        assertThat(rows).extracting(AdmissionTrace.Row::limit).containsExactly(210.0, 150.0, 60.0, 75.0);
        assertThat(rows).extracting(AdmissionTrace.Row::shed).containsExactly(0.0, 1.0, 12.0, 30.0);
        assertThat(rows.get(3).tally().overloaded()).isEqualTo(3);
        assertThat(rows.get(3).tally().answeredPerSecond()).isEqualTo(26);
    }

    @Test
    void theTableHasOneLinePerIntervalWithThePhasesDelay() {
        String table = trace(points()).table();

        assertThat(table.lines().toList()).hasSize(2 + 4);
        assertThat(table).startsWith("| t (s) | upstream delay | limit | in flight | queued | shed | answered/s | 503s |");
        assertThat(table.lines().toList().get(2)).isEqualTo("| 0 | 100 ms | 210 | 12 | 0 | 0 | 20 | 0 | 0 | 100 ms | 100 ms | 100 ms | — |");
        assertThat(table.lines().toList().get(5)).isEqualTo("| 1.5 | 300 ms (+200) | 75 | 75 | 100 | 30 | 26 | 3 | 0 | 100 ms | 100 ms | 100 ms | — |");
    }

    @Test
    void sluicesOwnMeanDurationComesFromTheIncreaseOfItsHistogramsSumAndCount() {
        List<AdmissionTrace.Point> p = List.of(new AdmissionTrace.Point(1, 1, 0, 0, 10.0, 100),
                new AdmissionTrace.Point(1, 1, 0, 0, 13.0, 110),      // 10 answers, 3 s: 300 ms each
                new AdmissionTrace.Point(1, 1, 0, 0, 13.0, 110),      // none answered
                new AdmissionTrace.Point(1, 1, 0, 0, 14.5, 111));

        List<AdmissionTrace.Row> rows = trace(p).rows();

        assertThat(rows.get(0).sluiceOkMeanMillis()).isCloseTo(300.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(rows.get(1).sluiceOkMeanMillis()).isNaN();
        assertThat(rows.get(2).sluiceOkMeanMillis()).isCloseTo(1_500.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(trace(p).table().lines().toList().get(2)).endsWith("| 300 ms |");
    }

    @Test
    void aPointIsReadFromSluicesMetrics() {
        PromText m = PromText.parse("""
                sluice_admission_limit 187.0
                sluice_admission_in_flight 142.0
                sluice_admission_queued 3.0
                sluice_admission_shed_total{reason="queue_full"} 10.0
                sluice_admission_shed_total{reason="queue_timeout"} 5.0
                gen_ai_server_request_duration_seconds_sum{error_type="",gen_ai_operation_name="chat",gen_ai_request_model="sim-mini"} 40.5
                gen_ai_server_request_duration_seconds_count{error_type="",gen_ai_operation_name="chat",gen_ai_request_model="sim-mini"} 81
                gen_ai_server_request_duration_seconds_sum{error_type="server_overloaded",gen_ai_operation_name="chat",gen_ai_request_model="sim-mini"} 1.5
                gen_ai_server_request_duration_seconds_count{error_type="server_overloaded",gen_ai_operation_name="chat",gen_ai_request_model="sim-mini"} 15
                """);

        assertThat(AdmissionTrace.Point.of(m)).isEqualTo(new AdmissionTrace.Point(187, 142, 3, 15, 40.5, 81));
        assertThat(AdmissionTrace.Point.of(PromText.parse("")).limit()).isNaN();
    }

    @Test
    void thePhaseSummaryGivesTheLimitsCourseAndTheShedShare() {
        String summary = trace(points()).phaseTable();

        List<String> lines = summary.lines().toList();
        assertThat(lines).hasSize(2 + 2);
        // phase 1: limit 200 at its start, 150..210 during it, 150 at its end; 1 × 503 of 21 answers
        assertThat(lines.get(2)).isEqualTo("| 1 | 100 ms | 0–1 | 200 | 150 | 210 | 150 | 21 | 1 (4.8 %) | 0 | 100 ms | 100 ms |");
        assertThat(lines.get(3)).isEqualTo("| 2 | 300 ms (+200) | 1–2 | 150 | 60 | 75 | 75 | 25 | 5 (20.0 %) | 0 | 100 ms | 100 ms |");
    }

    @Test
    void samplesThatAreMissingShowAsDashesNotAsZeros() {
        List<AdmissionTrace.Point> some = new ArrayList<>(points().subList(0, 3));
        some.set(1, AdmissionTrace.Point.MISSING);

        AdmissionTrace t = trace(some);

        assertThat(t.rows().get(0).limit()).isNaN();
        assertThat(t.rows().get(1).shed()).isNaN();
        assertThat(t.rows().get(3).limit()).isNaN();
        assertThat(t.table().lines().toList().get(2)).startsWith("| 0 | 100 ms | — | — | — | — |");
        assertThat(t.sparklines()).contains("limit (max 150)");
    }

    @Test
    void sparklinesScaleFromZeroToTheMaximum() {
        assertThat(AdmissionTrace.sparkline(new double[]{0, 50, 100, Double.NaN, 200}, 100)).isEqualTo("▁▅█ █");
        assertThat(AdmissionTrace.sparkline(new double[]{0, 0}, 0)).isEqualTo("▁▁");

        String lines = trace(points()).sparklines();
        assertThat(lines.lines().toList()).hasSize(6);
        assertThat(lines).contains("upstream delay (ms) (max 300) ").contains("▃▃██");
        // the labels are padded to one width, so every series' bars start in the same column
        assertThat(lines.lines().map(String::length).distinct()).hasSize(1);
    }

    @Test
    void enoughGeneratorConnectionsForTheLongestDelayAndTheQueuesWait() {
        assertThat(AdmissionCommand.connectionsFor(200, 1_500)).isEqualTo(600);
        assertThat(AdmissionCommand.connectionsFor(10, 100)).isEqualTo(64);
    }
}
