package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class WrkOutputTest {
    private static final String HUMAN = """
            Running 10s test @ http://127.0.0.1:8090/v1/chat/completions
              1 threads and 64 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     1.21ms  342.10us  12.50ms   91.25%
                Req/Sec    54.03k     2.11k   58.90k    80.00%
              Latency Distribution
                 50%    1.10ms
                 75%    1.30ms
                 90%  708.00us
                 99%    2.20ms
              540341 requests in 10.00s, 120.45MB read
              Socket errors: connect 1, read 2, write 3, timeout 4
              Non-2xx or 3xx responses: 12
            Requests/sec:  54034.10
            Transfer/sec:     12.04MB
            """;

    @Test
    void theMachineLineOfTheDoneHookIsReadExactly() {
        String out = HUMAN + "SLUICE-BENCH requests=540341 duration_us=10000123 status_errors=12 connect_errors=1 "
                + "read_errors=2 write_errors=3 timeouts=4 p50_us=32 p90_us=61 p99_us=108 p999_us=950 max_us=12500\n";

        WrkResult r = WrkOutput.parse(out).orElseThrow();

        assertThat(r.requests()).isEqualTo(540_341);
        assertThat(r.durationMicros()).isEqualTo(10_000_123);
        assertThat(r.non2xx()).isEqualTo(12);
        assertThat(r.socketErrors()).isEqualTo(10);
        assertThat(r.p50Micros()).isEqualTo(32);
        assertThat(r.p99Micros()).isEqualTo(108);
        assertThat(r.p999Micros()).isEqualTo(950);
        assertThat(r.maxMicros()).isEqualTo(12_500);
        assertThat(r.requestsPerSecond()).isCloseTo(54_033.4, within(0.1));
    }

    @Test
    void withoutTheMachineLineTheHumanSummaryIsReadWithItsUnits() {
        WrkResult r = WrkOutput.parse(HUMAN).orElseThrow();

        assertThat(r.requests()).isEqualTo(540_341);
        assertThat(r.durationMicros()).isEqualTo(10_000_000);
        assertThat(r.p50Micros()).isEqualTo(1_100);
        assertThat(r.p90Micros()).isEqualTo(708);
        assertThat(r.p99Micros()).isEqualTo(2_200);
        assertThat(r.p999Micros()).isNaN();
        assertThat(r.maxMicros()).isEqualTo(12_500);
        assertThat(r.non2xx()).isEqualTo(12);
        assertThat(r.socketErrors()).isEqualTo(10);
    }

    @Test
    void aSummaryWithoutErrorLinesHasNoErrors() {
        String clean = HUMAN.lines().filter(l -> !l.contains("errors") && !l.contains("Non-2xx"))
                .reduce("", (a, b) -> a + b + "\n");

        WrkResult r = WrkOutput.parse(clean).orElseThrow();

        assertThat(r.non2xx()).isZero();
        assertThat(r.socketErrors()).isZero();
    }

    @Test
    void outputOfAFailedWrkIsNoResult() {
        assertThat(WrkOutput.parse("unable to connect to 127.0.0.1:1 Connection refused\n")).isEmpty();
        assertThat(WrkOutput.parse("")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"708.00,us,708", "1.20,ms,1200", "2.00,s,2000000", "1.50,m,90000000", "1,h,3600000000"})
    void wrkTimeUnitsAreConvertedToMicroseconds(String number, String unit, double micros) {
        assertThat(WrkOutput.micros(number, unit)).isEqualTo(micros);
    }

    @Test
    void anUnknownUnitIsAnError() {
        assertThatThrownBy(() -> WrkOutput.micros("1", "d")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theScriptSendsTheRequestAndPrintsTheLineTheParserReads() {
        String script = WrkScript.render(BenchRequest.chat("sk-proj-x"));

        assertThat(script).contains("wrk.method = \"POST\"")
                .contains("wrk.path = \"/v1/chat/completions\"")
                .contains("wrk.body = \"{\\\"model\\\":\\\"sim-mini\\\"")
                .contains("wrk.headers[\"Authorization\"] = \"Bearer sk-proj-x\"")
                .contains("done = function(summary, latency, requests)")
                .contains("\"" + WrkOutput.MARKER + "\"");
        for (String key : new String[]{"requests=", "duration_us=", "status_errors=", "p50_us=", "p99_us=", "p999_us=", "max_us="}) {
            assertThat(script).contains(key);
        }
    }

    @Test
    void luaStringsEscapeQuotesBackslashesAndControlCharacters() {
        assertThat(WrkScript.lua("a\"b\\c\nd\re\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\re\\1\"");
    }
}
