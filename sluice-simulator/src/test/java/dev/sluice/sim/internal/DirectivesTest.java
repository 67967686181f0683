package dev.sluice.sim.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectivesTest {

    @Test
    void parsesEveryDirective() {
        Directives d = Directives.parse("status=503; shape=detail;fail_times=2;delay_ms=10;ttft_ms=20;tps=30;"
                + "tokens=40;disconnect_after=5;stream_error_after=6;hang;malformed");
        assertThat(d.status()).isEqualTo(503);
        assertThat(d.shape()).isEqualTo(Directives.Shape.DETAIL);
        assertThat(d.failTimes()).isEqualTo(2);
        assertThat(d.delayMs()).isEqualTo(10);
        assertThat(d.ttftMs()).isEqualTo(20);
        assertThat(d.tps()).isEqualTo(30);
        assertThat(d.tokens()).isEqualTo(40);
        assertThat(d.streamFaultAt()).isEqualTo(5);
        assertThat(d.streamFaultDisconnects()).isTrue();
        assertThat(d.hang()).isTrue();
        assertThat(d.malformed()).isTrue();
    }

    @Test
    void aProviderErrorNameFailsAtOnceUnlessItIsTheMidStreamError() {
        Directives now = Directives.parse("error=overloaded_error");
        assertThat(now.error()).isEqualTo("overloaded_error");
        assertThat(now.failing()).isTrue();
        Directives later = Directives.parse("error=overloaded_error;stream_error_after=2");
        assertThat(later.failing()).isFalse();
        assertThat(later.streamFaultAt()).isEqualTo(2);
        assertThatThrownBy(() -> Directives.parse("error=Over-Loaded")).isInstanceOf(SimError.class)
                .hasMessageContaining("error=overloaded_error");
        assertThat(Directives.parse("status=529").status()).isEqualTo(529);
    }

    @Test
    void emptyTextMeansNoDirectives() {
        assertThat(Directives.parse(" ; ")).isEqualTo(Directives.parse(""));
        assertThat(Directives.parse(null)).isSameAs(Directives.NONE);
    }

    @Test
    void badDirectivesNameTheDirectiveInAnInvalidValueError() {
        for (String bad : new String[] {"stauts=500", "status=418", "status=abc", "tokens=-1", "shape=xml",
                "hang=yes", "delay_ms", "tps=1;tps=2"}) {
            String name = bad.contains("=") ? bad.substring(0, bad.indexOf('=')) : bad;
            assertThatThrownBy(() -> Directives.parse(bad)).as(bad).isInstanceOfSatisfying(SimError.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.error().param()).isEqualTo("x-sluice-sim");
                assertThat(e.error().code()).isEqualTo("invalid_value");
                assertThat(e.error().message()).contains("'" + name + "'");
            });
        }
    }
}
