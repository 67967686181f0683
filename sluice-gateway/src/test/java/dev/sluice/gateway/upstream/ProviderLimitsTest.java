package dev.sluice.gateway.upstream;

import dev.sluice.protocol.Headers;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProviderLimitsTest {
    private static MultiMap ours(long remainingRequests) {
        return MultiMap.caseInsensitiveMultiMap().set(Headers.LIMIT_REQUESTS, "100")
                .set(Headers.REMAINING_REQUESTS, Long.toString(remainingRequests)).set(Headers.RESET_REQUESTS, "1s");
    }

    @Test
    void aProviderLimitTighterThanSluicesReplacesItsHeaders() {
        MultiMap h = ours(90);
        new ProviderLimits(new ProviderLimits.Window(50, 3, 20_000), null).applyTighter(h);
        assertThat(h.get(Headers.LIMIT_REQUESTS)).isEqualTo("50");
        assertThat(h.get(Headers.REMAINING_REQUESTS)).isEqualTo("3");
        assertThat(h.get(Headers.RESET_REQUESTS)).isEqualTo("20s");
    }

    @Test
    void aLooserProviderLimitLeavesSluicesHeaders() {
        MultiMap h = ours(2);
        new ProviderLimits(new ProviderLimits.Window(50, 30, 20_000), null).applyTighter(h);
        assertThat(h.get(Headers.REMAINING_REQUESTS)).isEqualTo("2");
        assertThat(h.get(Headers.RESET_REQUESTS)).isEqualTo("1s");
    }

    @Test
    void aProviderLimitWhereSluiceHasNoneIsReported() {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        new ProviderLimits(null, new ProviderLimits.Window(40_000, 39_000, 1500)).applyTighter(h);
        assertThat(h.get(Headers.REMAINING_TOKENS)).isEqualTo("39000");
        assertThat(h.get(Headers.RESET_TOKENS)).isEqualTo("1.5s");
        assertThat(h.contains(Headers.REMAINING_REQUESTS)).isFalse();
    }

    @Test
    void openAiCompatibleUpstreamsReportTheirOwnRatelimitHeaders() {
        MultiMap upstream = MultiMap.caseInsensitiveMultiMap().set("x-ratelimit-limit-tokens", "1000")
                .set("x-ratelimit-remaining-tokens", "10").set("x-ratelimit-reset-tokens", "6m0s");
        ProviderLimits l = new OpenAiAdapter().limits(upstream, java.time.Clock.systemUTC());
        assertThat(l.tokens()).isEqualTo(new ProviderLimits.Window(1000, 10, 360_000));
        assertThat(l.requests()).isNull();
    }
}
