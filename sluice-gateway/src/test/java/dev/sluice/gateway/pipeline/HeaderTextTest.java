package dev.sluice.gateway.pipeline;

import dev.sluice.protocol.Durations;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The header values made from digits spell exactly what the String formatting they replace spells: the bytes on the
 * wire do not change.
 */
class HeaderTextTest {
    @Test
    void aNumberIsSpelledAsLongToStringSpellsIt() {
        LongStream edges = LongStream.of(0, 1, 9, 10, 99, 100, 101, 999, 1000, 65_535, 99_999_999, 100_000_000,
                9_999_999_971L, 10_000_000_000L, Integer.MAX_VALUE, Long.MAX_VALUE, -1, -9, -10, -100,
                Integer.MIN_VALUE, Long.MIN_VALUE + 1, Long.MIN_VALUE);
        SplittableRandom random = new SplittableRandom(13);
        LongStream randoms = LongStream.generate(() -> random.nextLong() >> random.nextInt(64)).limit(20_000);
        LongStream.concat(edges, randoms).forEach(n -> {
            CharSequence spelled = HeaderText.number(n);
            assertThat(spelled).isInstanceOf(AsciiString.class);
            assertThat(spelled.toString()).as("%d", n).isEqualTo(Long.toString(n));
        });
    }

    @Test
    void aRepeatedNumberSpellsEachValueItIsGivenAndKeepsTheLastOne() {
        HeaderText.RepeatedNumber limit = new HeaderText.RepeatedNumber();
        CharSequence first = limit.of(100_000_000);
        assertThat(limit.of(100_000_000)).as("the same value: the same text").isSameAs(first);
        for (long n : new long[]{0, 60, 100_000_000, 61, 60, -1, 10_000_000_000L, 10_000_000_000L, 0}) {
            assertThat(limit.of(n).toString()).isEqualTo(Long.toString(n));
        }
    }

    @Test
    void aDurationIsSpelledAsDurationsFormatMillisSpellsIt() {
        LongStream edges = LongStream.of(-5, 0, 1, 9, 10, 999, 1000, 1001, 1005, 1050, 1500, 1999, 9_999, 10_000,
                59_999, 60_000, 60_001, 61_500, 3_599_999, 3_600_000, 3_600_050, 3_660_000, 86_400_000,
                360_000_000_123L, Long.MAX_VALUE);
        SplittableRandom random = new SplittableRandom(17);
        LongStream randoms = LongStream.generate(() -> random.nextLong(0, 200_000_000)).limit(20_000);
        LongStream dense = LongStream.range(0, 130_000);
        LongStream.concat(LongStream.concat(edges, randoms), dense).forEach(ms -> {
            CharSequence spelled = HeaderText.duration(ms);
            assertThat(spelled).isInstanceOf(AsciiString.class);
            assertThat(spelled.toString()).as("%d ms", ms).isEqualTo(Durations.formatMillis(ms));
        });
    }
}
