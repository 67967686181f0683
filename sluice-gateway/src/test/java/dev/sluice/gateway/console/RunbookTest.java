package dev.sluice.gateway.console;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The runbook lines on Traffic health come from docs/errors.md, packaged into the jar at build time. */
class RunbookTest {
    static final Runbook RUNBOOK = Runbook.load();

    @ParameterizedTest
    @ValueSource(strings = {"server_overloaded", "slow_down", "rate_limit_exceeded", "insufficient_quota",
            "upstream_unavailable", "upstream_timeout", "bad_gateway"})
    void everyCodeTrafficHealthShowsHasItsLineFromErrorsMd(String code) {
        String line = RUNBOOK.line(code);
        assertThat(line).as(code).isNotNull().contains(code).contains(" — ").doesNotContain("`").doesNotContain("](");
    }

    @org.junit.jupiter.api.Test
    void aRowGivesItsBecauseAndDoCells() {
        Runbook r = Runbook.parse("| you get | because | do |\n|---|---|---|\n"
                + "| 503 `slow_down`, `retry-after` | the rate jumped | return to the [earlier](x.md) rate |\n");
        assertThat(r.line("slow_down")).isEqualTo("503 slow_down: the rate jumped — return to the earlier rate");
    }
}
