package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DocsSectionTest {
    private static final String DOC = "# Benchmarks\n\nHand-written text.\n";

    @Test
    void aDocumentWithoutTheSectionGetsItAppended() {
        String out = DocsSection.update(DOC, "latest", "| a | b |\n");

        assertThat(out).startsWith(DOC + "\n" + DocsSection.begin("latest") + "\n| a | b |\n" + DocsSection.end("latest"));
        assertThat(out).endsWith(DocsSection.end("latest") + "\n");
    }

    @Test
    void anExistingSectionIsReplacedAndEverythingAroundItKept() {
        String first = DocsSection.update(DOC, "latest", "old table") + "\n## After\n\nmore text\n";

        String second = DocsSection.update(first, "latest", "new table");

        assertThat(second).contains("new table").doesNotContain("old table");
        assertThat(second).startsWith(DOC).endsWith("\n## After\n\nmore text\n");
        assertThat(DocsSection.update(second, "latest", "new table")).isEqualTo(second);
    }

    @Test
    void sectionsWithOtherNamesAreLeftAlone() {
        String both = DocsSection.update(DocsSection.update(DOC, "baseline", "before"), "latest", "after");

        String updated = DocsSection.update(both, "latest", "after 2");

        assertThat(updated).contains("before").contains("after 2").doesNotContain("after\n");
    }

    @Test
    void aHalfDeletedSectionIsAnErrorNotAGuess() {
        String broken = DOC + DocsSection.begin("latest") + "\ntable\n";

        assertThatThrownBy(() -> DocsSection.update(broken, "latest", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latest");
    }

    @Test
    void aSectionNameCannotBreakTheMarker() {
        assertThatThrownBy(() -> DocsSection.update(DOC, "a -->", "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
