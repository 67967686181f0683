package dev.sluice.gateway.quota;

/** One row of {@code usage_ledger}: a finished client request, priced; tokens are the billed ones. */
public record LedgerRow(String requestId, long createdAtMillis, String orgId, String projectId, String keyId,
                        String model, String endpoint, long promptTokens, long completionTokens, long costNanos,
                        int status, String outcome, String errorCode, String upstreamRequestId, int attempts,
                        boolean stream) {}
