package dev.sluice.sim.internal;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class TextGenTest {
    private static final Encoding O200K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    @Test
    void everyVocabularyWordIsOneTokenWithLeadingSpaceAndCapitalised() {
        for (String w : TextGen.VOCABULARY) {
            assertThat(O200K.countTokensOrdinary(" " + w)).as(w).isEqualTo(1);
            assertThat(O200K.countTokensOrdinary(w.substring(0, 1).toUpperCase(Locale.ROOT) + w.substring(1)))
                    .as(w).isEqualTo(1);
        }
    }

    @Test
    void shorterAnswerIsAPrefixOfALongerOneWithTheSameSeed() {
        long seed = TextGen.seed(List.of("sim-mini", "user", "hi"));
        List<String> longer = TextGen.pieces(seed, 30);
        assertThat(longer.subList(0, 10)).isEqualTo(TextGen.pieces(seed, 10));
        assertThat(TextGen.defaultLength(seed)).isBetween(TextGen.MIN_TOKENS, TextGen.MAX_TOKENS);
    }

    @Test
    void seedSeparatesParts() {
        assertThat(TextGen.seed(List.of("ab", "c"))).isNotEqualTo(TextGen.seed(List.of("a", "bc")));
    }
}
