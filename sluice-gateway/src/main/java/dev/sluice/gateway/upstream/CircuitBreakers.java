package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@link CircuitBreaker} per deployment of each model ({@code model/deployment}), created on first use. Held in a
 * {@link ByDeployment}: a request finds its breakers without building a name.
 */
public final class CircuitBreakers {
    private final ByDeployment<CircuitBreaker> breakers;

    public CircuitBreakers(SluiceConfig.Breaker settings, Clock clock) {
        this.breakers = new ByDeployment<>(name -> new CircuitBreaker(name, settings.failureThreshold(),
                Duration.ofMillis(settings.openMs()), clock));
    }

    public CircuitBreaker of(String modelId, Deployment d) {
        return breakers.of(modelId, d.name());
    }

    /** Every breaker's state by {@code model/deployment}, for metrics and tests. */
    public Map<String, CircuitBreaker.State> states() {
        Map<String, CircuitBreaker.State> out = new TreeMap<>();
        breakers.forEach((name, b) -> out.put(name, b.state()));
        return out;
    }

    /**
     * After a config reload: forgets the breakers of deployments that are gone or changed (their next request starts
     * closed); those of unchanged deployments keep their state. {@code unchanged} says whether
     * {@code model/deployment} is the same in the new catalogue.
     */
    public void retainOnly(java.util.function.Predicate<String> unchanged) {
        breakers.retainOnly(unchanged);
    }
}
