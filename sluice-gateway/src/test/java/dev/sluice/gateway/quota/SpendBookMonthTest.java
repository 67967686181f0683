package dev.sluice.gateway.quota;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SpendBook#month} remembers the month it formatted last; it must still name the right UTC month at every
 * edge: the last and first millisecond of a month, a year's turn, leap days, and time going backwards.
 */
class SpendBookMonthTest {
    private static String reference(long millis) {
        return YearMonth.from(Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC)).toString();
    }

    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void namesTheUtcMonthAtItsEdgesInAnyOrder() {
        long[] times = {
                at("2026-11-28T21:00:00Z"), at("2026-11-30T23:59:59.999Z"), at("2026-12-01T00:00:00Z"),
                at("2026-11-30T23:59:59.999Z"), at("2026-12-31T23:59:59.999Z"), at("2027-01-01T00:00:00Z"),
                at("2024-02-29T12:00:00Z"), at("2024-03-01T00:00:00Z"), at("2024-02-29T23:59:59.999Z"),
                0L, -1L, at("1969-12-01T00:00:00Z"), at("2026-11-01T00:00:00Z"), at("2026-10-31T23:59:59.999Z")};
        for (long t : times) {
            assertThat(SpendBook.month(t)).as("month of %s", Instant.ofEpochMilli(t)).isEqualTo(reference(t));
            assertThat(SpendBook.month(t)).as("again, month of %s", Instant.ofEpochMilli(t)).isEqualTo(reference(t));
        }
    }

    @Test
    void everyHourOfTwoYearsMatchesTheFormattedMonth() {
        long from = at("2027-01-01T00:00:00Z");
        for (long t = from; t < from + 2L * 366 * 24 * 3_600_000; t += 3_600_000 - 1) {
            assertThat(SpendBook.month(t)).isEqualTo(reference(t));
        }
    }
}
