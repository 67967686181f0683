package dev.sluice.gateway.lifecycle;

import dev.sluice.testing.FakeTime;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.upstream.CircuitBreaker;
import dev.sluice.gateway.upstream.CircuitBreakers;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a reload keeps: breaker state of unchanged deployments; and what it reports: keys that need a restart. */
class ConfigReloaderTest {
    static ModelSpec model(String id, Deployment... deployments) {
        return new ModelSpec(id, id, Modality.CHAT, 1000, 100, "o200k_base", 1, 1, List.of(deployments), 0);
    }

    static Deployment dep(String name, String baseUrl) {
        return new Deployment(name, "openai", baseUrl, null, null, 0);
    }

    @Test
    void breakersOfUnchangedDeploymentsKeepTheirStateAndChangedOrRemovedOnesStartClosed() {
        FakeTime clock = new FakeTime(Instant.parse("2026-01-01T00:00:00Z"));
        CircuitBreakers breakers = new CircuitBreakers(new SluiceConfig.Breaker(1, 60_000), clock);
        ModelCatalog before = new ModelCatalog(List.of(
                model("a", dep("one", "http://a1/v1"), dep("two", "http://a2/v1")),
                model("b", dep("one", "http://b1/v1"))));
        for (String[] md : new String[][] {{"a", "one"}, {"a", "two"}, {"b", "one"}}) {
            CircuitBreaker cb = breakers.of(md[0], before.find(md[0]).orElseThrow().deployments().stream()
                    .filter(d -> d.name().equals(md[1])).findFirst().orElseThrow());
            assertThat(cb.tryAcquire()).isTrue();
            cb.onFailure();
        }
        assertThat(breakers.states()).containsValues(CircuitBreaker.State.OPEN).hasSize(3);
        // a/one unchanged; a/two has a new base URL; b is gone.
        ModelCatalog after = new ModelCatalog(List.of(
                model("a", dep("one", "http://a1/v1"), dep("two", "http://a2-new/v1"))));
        breakers.retainOnly(name -> ConfigReloader.sameDeployment(before, after, name));
        assertThat(breakers.states()).isEqualTo(Map.of("a/one", CircuitBreaker.State.OPEN));
    }

    @Test
    void onlyKeysOutsideTheReloadableSetAreReportedAsNeedingARestart() {
        SluiceConfig a = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
        SluiceConfig b = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("SLUICE_PORT", "9999",
                "SLUICE_UPSTREAM_TIMEOUTS_IDLE_MS", "5", "SLUICE_QUOTAS_ORG_CREDITS_USD", "3",
                "SLUICE_LOG_FORMAT", "text"));
        assertThat(ConfigReloader.restartOnly(a, b)).containsExactly("port", "upstream_timeouts.idle_ms");
        assertThat(ConfigReloader.restartOnly(a, a)).isEmpty();
    }
}
