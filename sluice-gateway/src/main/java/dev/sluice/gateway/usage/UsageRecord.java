package dev.sluice.gateway.usage;

import java.time.Instant;

/**
 * One client request to a model, once it has ended: who, which model, tokens actually delivered, how it ended.
 * Exactly one record per client request, however many upstream attempts it took. Cost is computed by the sink from
 * the model's prices.
 */
public record UsageRecord(String requestId, Instant at, String orgId, String projectId, String keyId,
                          String model, String endpoint, int promptTokens, int completionTokens, Outcome outcome,
                          String errorCode, int status, String upstreamRequestId, int attempts, boolean stream) {}
