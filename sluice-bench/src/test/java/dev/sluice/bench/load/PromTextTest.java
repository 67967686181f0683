package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PromTextTest {
    /** The shape of Sluice's /metrics (Micrometer's Prometheus registry), trimmed to the admission series and neighbours. */
    private static final String METRICS = """
            # HELP sluice_admission_limit
            # TYPE sluice_admission_limit gauge
            sluice_admission_limit 187.0
            # HELP sluice_admission_in_flight
            # TYPE sluice_admission_in_flight gauge
            sluice_admission_in_flight 142.0
            sluice_admission_queued 3.0
            # TYPE sluice_admission_shed_total counter
            sluice_admission_shed_total{reason="max_streams"} 0.0
            sluice_admission_shed_total{reason="queue_full"} 1234.0
            sluice_admission_shed_total{reason="queue_timeout",} 56.0
            sluice_admission_limit_other 9.0
            http_server_request_duration_seconds_bucket{http_route="/v1/chat/completions",le="+Inf"} 5000
            """;

    @Test
    void gaugesAreReadByTheirExactName() {
        PromText m = PromText.parse(METRICS);

        assertThat(m.value("sluice_admission_limit")).hasValue(187);
        assertThat(m.value("sluice_admission_in_flight")).hasValue(142);
        assertThat(m.value("sluice_admission_queued")).hasValue(3);
        assertThat(m.value("sluice_admission_open_streams")).isEmpty();
    }

    @Test
    void aCounterIsSummedOverItsLabelsOrReadForOne() {
        PromText m = PromText.parse(METRICS);

        assertThat(m.sum("sluice_admission_shed_total")).hasValue(1290);
        assertThat(m.value("sluice_admission_shed_total", "reason", "queue_timeout")).hasValue(56);
        assertThat(m.value("sluice_admission_shed_total", "reason", "nope")).isEmpty();
        assertThat(m.sum("sluice_admission_shed")).isEmpty();
    }

    @Test
    void labelValuesMayHoldEscapedQuotesCommasAndBraces() {
        PromText m = PromText.parse("x{a=\"say \\\"hi\\\", {ok}\",b=\"2\"} 7 1700000000000\n");

        assertThat(m.samples()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("x");
            assertThat(s.labels()).isEqualTo(Map.of("a", "say \"hi\", {ok}", "b", "2"));
            assertThat(s.value()).isEqualTo(7);
        });
    }

    @Test
    void specialValuesAreNumbersAndGarbledLinesAreSkipped() {
        PromText m = PromText.parse("a +Inf\nb NaN\nc -Inf\nd{x=\"1\" 5\ne{x=1} 5\nf notanumber\ng\n h 2.5e3 \n");

        assertThat(m.value("a")).hasValue(Double.POSITIVE_INFINITY);
        assertThat(m.value("b").getAsDouble()).isNaN();
        assertThat(m.value("c")).hasValue(Double.NEGATIVE_INFINITY);
        assertThat(m.value("d")).isEmpty();
        assertThat(m.value("e")).isEmpty();
        assertThat(m.value("f")).isEmpty();
        assertThat(m.value("g")).isEmpty();
        assertThat(m.value("h")).hasValue(2500);
    }
}
