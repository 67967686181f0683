package dev.sluice.gateway.quota;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.limits.LimitScope;
import dev.sluice.gateway.usage.Billing;

import java.util.Map;

/**
 * The budgets and credits in force: each owner's own (from the admin API, reloaded from the database) or else the
 * sluice.yaml defaults. Reads are lock-free map lookups.
 */
public final class QuotaRules {
    private final Long orgBudget, projectBudget, orgCredits, projectCredits;
    private volatile Map<Owner, Long> budgets = Map.of();
    private volatile Map<Owner, Long> credits = Map.of();

    public QuotaRules(SluiceConfig.Quotas q) {
        this.orgBudget = nanos(q.orgMonthlyBudgetUsd());
        this.projectBudget = nanos(q.projectMonthlyBudgetUsd());
        this.orgCredits = nanos(q.orgCreditsUsd());
        this.projectCredits = nanos(q.projectCreditsUsd());
    }

    public Quota effective(Owner owner) {
        boolean org = owner.scope() == LimitScope.ORGANIZATION;
        Long budget = budgets.get(owner);
        Long credit = credits.get(owner);
        return new Quota(budget != null ? budget : org ? orgBudget : projectBudget,
                credit != null ? credit : org ? orgCredits : projectCredits);
    }

    /** Whether the owner's budget is its own (else the default). */
    public boolean ownBudget(Owner owner) {
        return budgets.containsKey(owner);
    }

    public void replace(Map<Owner, Long> budgets, Map<Owner, Long> credits) {
        this.budgets = Map.copyOf(budgets);
        this.credits = Map.copyOf(credits);
    }

    private static Long nanos(Double usd) {
        return usd == null ? null : Billing.nanos(usd);
    }
}
