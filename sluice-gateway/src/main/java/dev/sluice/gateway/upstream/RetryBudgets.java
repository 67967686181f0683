package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link RetryBudget} per deployment of each model ({@code model/deployment}), created on first use; held by
 * model, then deployment name, as {@link CircuitBreakers} holds breakers.
 */
final class RetryBudgets {
    private final Map<String, Map<String, RetryBudget>> byModel = new ConcurrentHashMap<>();
    private final SluiceConfig.RetryBudget settings;
    private final Clock clock;

    public RetryBudgets(SluiceConfig.RetryBudget settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public RetryBudget of(String modelId, Deployment d) {
        Map<String, RetryBudget> ofModel = byModel.get(modelId);
        if (ofModel == null) ofModel = byModel.computeIfAbsent(modelId, m -> new ConcurrentHashMap<>());
        RetryBudget b = ofModel.get(d.name());
        if (b != null) return b;
        return ofModel.computeIfAbsent(d.name(), n -> new RetryBudget(modelId + "/" + n, settings, clock));
    }
}
