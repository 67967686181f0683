package dev.sluice.gateway.overload;

import io.vertx.core.Future;

/**
 * Per-project request counts for {@link SlowDownGuard}: checks the rule and, when it admits, counts the request, in
 * one atomic step (in memory, or in Redis so every gateway sees the same rate).
 */
public interface RequestRates {
    Future<SlowDownRule.Verdict> admit(String projectId, long nowMs, SlowDownRule rule);
}
