package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link RetryBudget} per deployment of each model ({@code model/deployment}), created on first use. */
final class RetryBudgets {
    private final Map<String, RetryBudget> byName = new ConcurrentHashMap<>();
    private final SluiceConfig.RetryBudget settings;
    private final Clock clock;

    public RetryBudgets(SluiceConfig.RetryBudget settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public RetryBudget of(String modelId, Deployment d) {
        return byName.computeIfAbsent(modelId + "/" + d.name(), n -> new RetryBudget(n, settings, clock));
    }
}
