package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;

import java.time.Clock;

/**
 * One {@link RetryBudget} per deployment of each model ({@code model/deployment}), created on first use, held in a
 * {@link ByDeployment} as {@link CircuitBreakers} holds breakers.
 */
final class RetryBudgets {
    private final ByDeployment<RetryBudget> budgets;

    public RetryBudgets(SluiceConfig.RetryBudget settings, Clock clock) {
        this.budgets = new ByDeployment<>(name -> new RetryBudget(name, settings, clock));
    }

    public RetryBudget of(String modelId, Deployment d) {
        return budgets.of(modelId, d.name());
    }
}
