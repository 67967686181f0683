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
    /** The sluice.yaml defaults, replaced whole by a config reload. */
    private record Defaults(Long orgBudget, Long projectBudget, Long orgCredits, Long projectCredits) {
        static Defaults of(SluiceConfig.Quotas q) {
            return new Defaults(nanos(q.orgMonthlyBudgetUsd()), nanos(q.projectMonthlyBudgetUsd()),
                    nanos(q.orgCreditsUsd()), nanos(q.projectCreditsUsd()));
        }
    }

    private volatile Defaults defaults;
    private volatile Map<Owner, Long> budgets = Map.of();
    private volatile Map<Owner, Long> credits = Map.of();

    public QuotaRules(SluiceConfig.Quotas q) {
        this.defaults = Defaults.of(q);
    }

    /** Installs the budget and credit defaults of a reloaded config. */
    public void replaceDefaults(SluiceConfig.Quotas q) {
        this.defaults = Defaults.of(q);
    }

    public Quota effective(Owner owner) {
        boolean org = owner.scope() == LimitScope.ORGANIZATION;
        Long budget = budgets.get(owner);
        Long credit = credits.get(owner);
        Defaults d = defaults;
        return new Quota(budget != null ? budget : org ? d.orgBudget() : d.projectBudget(),
                credit != null ? credit : org ? d.orgCredits() : d.projectCredits());
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
