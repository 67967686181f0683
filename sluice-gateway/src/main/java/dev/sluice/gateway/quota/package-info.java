/**
 * Quotas and spend: the usage ledger (one priced row per client request, written in batches off the event loop and
 * drained on shutdown), running spend per organization and project ({@link dev.sluice.gateway.quota.SpendBook}, with
 * in-flight reservations), monthly budgets and prepaid credit grants ({@link dev.sluice.gateway.quota.QuotaRules}),
 * the {@link dev.sluice.gateway.quota.QuotaCheck} stage (429 insufficient_quota) and the usage/costs admin API.
 */
package dev.sluice.gateway.quota;
