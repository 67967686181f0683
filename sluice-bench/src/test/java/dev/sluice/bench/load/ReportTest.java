package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {
    private static WrkResult wrk(double rps, double p50, double p99) {
        return new WrkResult((long) (rps * 10), 10_000_000, 0, 0, p50, p50 * 1.5, p99, p99 * 2, p99 * 3);
    }

    /** The issue's reference run, as the harness would report it. */
    private static final List<SystemResult> ISSUE_RUN = List.of(
            new SystemResult("direct", wrk(20_000, 32, 108), wrk(54_034, 900, 2_200), null, null),
            new SystemResult("nginx", wrk(12_000, 59, 641), wrk(40_729, 1_500, 4_000), null, null),
            new SystemResult("sluice", wrk(6_000, 149, 5_160), wrk(13_896, 4_400, 12_900),
                    new RateResult(11_116, 11_100, 64, 111_160, Map.of(), 300, 800, 2_400, 9_000, 20_000, 1_100, 150),
                    null));

    private static String row(String table, String start) {
        return table.lines().filter(l -> l.startsWith(start)).findFirst().orElseThrow();
    }

    @Test
    void eachSystemsThroughputIsGivenAsARatioOfNginxAndOfDirect() {
        String table = new Report("cmd", "date", "machine", 64, 0.8, ISSUE_RUN, Map.of(), List.of()).mainTable();

        assertThat(row(table, "| **sluice**")).contains("| 13,896 | 0.34× | 0.26× | 12.9 ms |");
        assertThat(row(table, "| nginx")).contains("| 40,729 | 1.00× | 0.75× | 4.00 ms |");
        assertThat(row(table, "| direct")).contains("| 54,034 | 1.33× | 1.00× | 2.20 ms |");
    }

    @Test
    void theConstantRateSaysWhichMaximumItIsAFractionOf() {
        String byGenerator = new Report("cmd", "date", "machine", 64, 0.8, LoadCommand.GENERATOR_BASIS, ISSUE_RUN,
                Map.of(), List.of()).markdown();
        String byWrk = new Report("cmd", "date", "machine", 64, 0.8, ISSUE_RUN, Map.of(), List.of()).markdown();

        assertThat(byGenerator).contains("| constant rate (0.80× own max under this generator, closed loop c=64) |")
                .contains("p99 ≤ 2 ms at a constant 11,116 req/s (0.80× own max under this generator, closed loop c=64)");
        assertThat(byWrk).contains("| constant rate (0.80× own c=64 max) |");
    }

    @Test
    void singleConnectionLatencyIsAlsoGivenAsTheCostOverDirect() {
        String table = new Report("cmd", "date", "machine", 64, 0.8, ISSUE_RUN, Map.of(), List.of()).mainTable();

        assertThat(row(table, "| **sluice**")).startsWith("| **sluice** | 149 µs | 5.16 ms | +117 µs |");
        assertThat(row(table, "| nginx")).contains("| 59 µs | 641 µs | +27 µs |");
        assertThat(row(table, "| direct")).contains("| 32 µs | 108 µs | — |");
    }

    @Test
    void theConstantRateColumnsShowTheRateAndTheCorrectedPercentiles() {
        String table = new Report("cmd", "date", "machine", 64, 0.8, ISSUE_RUN, Map.of(), List.of()).mainTable();

        assertThat(table.lines().findFirst().orElseThrow()).contains("constant rate (0.80× own c=64 max)");
        assertThat(row(table, "| **sluice**")).endsWith("| 11,116 req/s | 300 µs | 2.40 ms | 9.00 ms | 0 |");
        assertThat(row(table, "| nginx")).endsWith("| — | — | — | — | 0 |");
    }

    @Test
    void aRateTheGeneratorDidNotHoldIsMarkedInItsCell() {
        SystemResult r = new SystemResult("direct", null, wrk(28_642, 1_850, 65_900),
                new RateResult(22_913, 0, 128, 0, Map.of("no answer by the end of the run", 91_652L),
                        7_240_000, 9_000_000, 9_300_000, 9_370_000, 9_400_000, Double.NaN, 0), null);

        String table = new Report("cmd", "date", "machine", 64, 0.8, List.of(r), Map.of(), List.of()).mainTable();

        assertThat(row(table, "| direct")).contains("| 22,913 req/s (not held: 0 answered/s) | 7.24 s |");
    }

    @Test
    void withoutNginxItsRatioColumnIsEmptyNotWrong() {
        String table = new Report("cmd", "date", "machine", 64, 0.8, List.of(ISSUE_RUN.get(0), ISSUE_RUN.get(2)),
                Map.of(), List.of("nginx is not installed")).mainTable();

        assertThat(row(table, "| **sluice**")).contains("| 13,896 | — | 0.26× |");
    }

    @Test
    void errorsOfEveryRunAreSummedWithTheirCauses() {
        SystemResult r = new SystemResult("sluice", new WrkResult(100, 1_000_000, 2, 1, 1, 1, 1, 1, 1),
                new WrkResult(100, 1_000_000, 5, 0, 1, 1, 1, 1, 1),
                new RateResult(10, 9, 1, 7, Map.of("503 server_overloaded", 2L, "connection reset", 1L), 1, 1, 1, 1, 1, 1, 0),
                null);
        String table = new Report("cmd", "date", "machine", 64, 0.8, List.of(r), Map.of(), List.of()).mainTable();

        assertThat(row(table, "| **sluice**")).endsWith(
                "| 8 in wrk runs; 3 at constant rate (2 × 503 server_overloaded, 1 × connection reset) |");
    }

    @Test
    void theStreamingTableCountsFailuresByCauseAndTheServersMemory() {
        StreamResult s = new StreamResult(10_000, 9_800, 58_558 - 18_950, Map.of("504 upstream_timeout", 18_950L),
                120, 2_400, 7_100, OptionalLong.of(512L << 20), OptionalLong.of(1536L << 20), OptionalLong.of(10_400),
                OptionalLong.of(20_000));

        String table = new Report("cmd", "date", "machine", 64, 0.8, ISSUE_RUN, Map.of("sluice", s), List.of()).streamTable();

        assertThat(row(table, "| sluice")).isEqualTo("| sluice | 10,000 | 9,800 | 39,608 | 18,950 | 18,950 × 504 "
                + "upstream_timeout | 120 ms / 2.40 s | 7.10 s | 512 MiB | 1536 MiB | 10,400 (20,000) |");
    }

    @Test
    void theColdStartTableSetsTheFirstSecondsAndTheirMaxBesideTheWarmTail() {
        RateResult first = new RateResult(6_948, 6_000, 128, 59_000, Map.of("no answer by the end of the run", 480L),
                2_000, 300_000, 592_000, 1_200_000, 1_500_000, 20_000, 500);
        List<SystemResult> runs = List.of(ISSUE_RUN.get(2).withCold(new SystemResult.ColdStart(2_345, first, 10)));

        String table = new Report("cmd", "date", "machine", 64, 0.8, runs, Map.of(), List.of()).coldTable();

        assertThat(row(table, "| sluice")).isEqualTo("| sluice | 2,345 ms | 10 s at 6,948 req/s | 6,000 | 2.00 ms | "
                + "592 ms | 1.20 s | 1.50 s | 2.40 ms | 480 (480 × no answer by the end of the run) |");
    }

    @Test
    void aWrkRunWithNoCompletedRequestShowsNoPercentiles() {
        SystemResult stalled = new SystemResult("sluice", new WrkResult(0, 3_000_000, 0, 0, 0, 0, 0, 0, 0), null, null, null);

        String table = new Report("cmd", "date", "machine", 64, 0.8, List.of(stalled), Map.of(), List.of()).mainTable();

        assertThat(row(table, "| **sluice**")).startsWith("| **sluice** | — | — | — | — |");
    }

    @Test
    void theMarkdownHasTheCommandTheMachineTheTablesAndTheNotes() {
        String md = new Report("./sluice bench load --streams 200", "2026-11-28 19:00 UTC", "2 CPUs", 64, 0.8,
                ISSUE_RUN, Map.of(), List.of("nginx: something")).markdown();

        assertThat(md).startsWith("Run: `./sluice bench load --streams 200` on 2026-11-28 19:00 UTC.\nMachine: 2 CPUs.\n")
                .contains("| system |").endsWith("- nginx: something\n")
                .doesNotContain("cold start").doesNotContain("streams through");
    }

    @Test
    void theIssuesTargetsAreCheckedAgainstTheRunsFigures() {
        StreamResult s = new StreamResult(10_000, 10_000, 30_000, Map.of(), 10, 40, 5_100, OptionalLong.of(700L << 20),
                OptionalLong.of(1_200L << 20), OptionalLong.of(10_300), OptionalLong.of(20_000));
        List<SystemResult> runs = new java.util.ArrayList<>(ISSUE_RUN);
        runs.add(new SystemResult("sluice-redis", null, wrk(10_000, 0, 0), null, null));

        List<String> targets = new Report("cmd", "date", "machine", 64, 0.8, runs, Map.of("sluice", s), List.of()).targets();

        assertThat(targets).containsExactly(
                "**not met** — c=64 throughput ≥ 0.8× nginx: 0.34×",
                "**not met** — c=1 p50 ≤ 100 µs above direct: +117 µs",
                "**not met** — c=1 p99 ≤ 1 ms: 5.16 ms",
                "**not met** — p99 ≤ 2 ms at a constant 11,116 req/s (0.80× own c=64 max): 2.40 ms",
                "met — 10,000 concurrent streams with 0 failed and heap after a full GC ≤ 1 GiB: 10,000 streams, 0 failed, "
                        + "heap 700 MiB, RSS 1200 MiB",
                "met — Redis mode ≥ 0.7× memory-mode throughput: 0.72×");
    }

    @Test
    void withoutASluiceRowThereAreNoTargetsToCheck() {
        assertThat(new Report("cmd", "date", "machine", 64, 0.8, ISSUE_RUN.subList(0, 2), Map.of(), List.of()).targets())
                .isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"32; 32 µs", "999.4; 999 µs", "1000; 1.00 ms", "5160; 5.16 ms",
            "12900; 12.9 ms", "702000; 702 ms", "1440000; 1.44 s", "12300000; 12.3 s", "NaN; —"})
    void latenciesKeepThreeSignificantDigitsInTheirUnit(double micros, String shown) {
        assertThat(Report.micros(micros)).isEqualTo(shown);
    }

    @Test
    void countsAndCausesReadAsNumbers() {
        assertThat(Report.count(13_896.4)).isEqualTo("13,896");
        assertThat(Report.signedMicros(-224)).isEqualTo("−224 µs");
        assertThat(Report.causes(Map.of("b", 1L, "a", 5L, "c", 1L))).isEqualTo("5 × a, 1 × b, 1 × c");
        assertThat(Report.causes(Map.of())).isEqualTo("—");
    }
}
