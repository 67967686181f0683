package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link CircuitBreaker} per deployment of each model ({@code model/deployment}), created on first use. Held by
 * model, then deployment name: a request finds its breakers with two lock-free lookups, no name built per request.
 */
public final class CircuitBreakers {
    private final Map<String, Map<String, CircuitBreaker>> byModel = new ConcurrentHashMap<>();
    private final SluiceConfig.Breaker settings;
    private final Clock clock;

    public CircuitBreakers(SluiceConfig.Breaker settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public CircuitBreaker of(String modelId, Deployment d) {
        Map<String, CircuitBreaker> ofModel = byModel.get(modelId);
        if (ofModel == null) ofModel = byModel.computeIfAbsent(modelId, m -> new ConcurrentHashMap<>());
        CircuitBreaker b = ofModel.get(d.name());
        if (b != null) return b;
        return ofModel.computeIfAbsent(d.name(), n -> new CircuitBreaker(modelId + "/" + n,
                settings.failureThreshold(), Duration.ofMillis(settings.openMs()), clock));
    }

    /** Every breaker's state by {@code model/deployment}, for metrics and tests. */
    public Map<String, CircuitBreaker.State> states() {
        Map<String, CircuitBreaker.State> out = new TreeMap<>();
        byModel.forEach((model, ofModel) -> ofModel.forEach((d, b) -> out.put(model + "/" + d, b.state())));
        return out;
    }

    /**
     * After a config reload: forgets the breakers of deployments that are gone or changed (their next request starts
     * closed); those of unchanged deployments keep their state. {@code unchanged} says whether
     * {@code model/deployment} is the same in the new catalogue.
     */
    public void retainOnly(java.util.function.Predicate<String> unchanged) {
        byModel.forEach((model, ofModel) -> ofModel.keySet().removeIf(d -> !unchanged.test(model + "/" + d)));
    }
}
