package dev.sluice.gateway.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One access line's values as the event loop captured them: no map and no boxing on the loop. The writer thread
 * either writes the JSON line from these directly ({@link AccessJson}) or builds the same fields {@link #fields()}
 * (names, order and value types) that the line always had, for a logback configuration of the operator's own.
 *
 * @param kind {@link #CONNECTION} (the HTTP layer answered before routing: seven fields), {@link #PLAIN} (a request
 *             that never reached a model: the seven and {@code trace_id}) or {@link #EXCHANGE} (every field)
 * @param upstreamLatencyMs {@code -1} when no upstream answered ({@code null} in the line)
 * @param ttftMs            {@code -1} when not a stream or no headers were sent ({@code null} in the line)
 */
record AccessRecord(byte kind, String requestId, String method, String route, int status, String errorCode,
                    long latencyMs, String clientIp, String model, String orgId, String projectId, String keyId,
                    boolean stream, int promptTokens, int attempts, int completionTokens, String deployment,
                    long upstreamLatencyMs, long ttftMs, String refusedBy, String traceId) {
    static final byte CONNECTION = 0;
    static final byte PLAIN = 1;
    static final byte EXCHANGE = 2;

    /** A connection-level line ({@code AccessLog.connection}): method and route {@code -}, latency 0. */
    static AccessRecord connection(String requestId, int status, String errorCode, String clientIp) {
        return new AccessRecord(CONNECTION, requestId, "-", "-", status, errorCode, 0, clientIp, null, null, null,
                null, false, 0, 0, 0, null, -1, -1, null, null);
    }

    /**
     * The line's fields in the line's order, each value of the type it always had ({@code latency_ms} an Integer 0
     * on connection lines and a Long otherwise; counts Integers; latencies Longs or null).
     */
    Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>(kind == EXCHANGE ? 32 : 16);
        f.put("request_id", requestId);
        f.put("method", method);
        f.put("route", route);
        f.put("status", status);
        f.put("error_code", errorCode);
        f.put("latency_ms", kind == CONNECTION ? (Object) 0 : (Object) latencyMs);
        f.put("client_ip", clientIp);
        if (kind == CONNECTION) return f;
        if (kind == EXCHANGE) {
            f.put("model", model);
            f.put("org_id", orgId);
            f.put("project_id", projectId);
            f.put("key_id", keyId);
            f.put("stream", stream);
            f.put("prompt_tokens", promptTokens);
            f.put("attempts", attempts);
            f.put("completion_tokens", completionTokens);
            f.put("deployment", deployment);
            f.put("upstream_latency_ms", upstreamLatencyMs < 0 ? null : upstreamLatencyMs);
            f.put("ttft_ms", ttftMs < 0 ? null : ttftMs);
            f.put("refused_by", refusedBy);
        }
        f.put("trace_id", traceId);
        return f;
    }
}
