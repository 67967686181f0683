package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON line per request on logger {@code sluice.access}: ids, route, status, error code, latency, model and
 * caller ids; the trace id, the deployment that answered, its latency, time to first token, tokens in and out and
 * the rate limit that refused. Never the key and never the prompt: only fields listed here are written.
 */
final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.access");

    private AccessLog() {}

    static void write(RequestScope s, String method, String path, int status, String clientIp) {
        if (!LOG.isInfoEnabled()) return;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request_id", s.requestId);
        f.put("method", method);
        f.put("route", s.route != null ? s.route : path);
        f.put("status", status);
        Exchange ex = s.exchange;
        String code = s.errorCode != null ? s.errorCode : s.answerCode;
        f.put("error_code", code);
        f.put("latency_ms", (System.nanoTime() - s.startNanos) / 1_000_000);
        f.put("client_ip", clientIp);
        if (ex != null) {
            f.put("model", ex.modelId());
            Caller c = ex.caller();
            f.put("org_id", c == null ? null : c.orgId());
            f.put("project_id", c == null ? null : c.projectId());
            f.put("key_id", c == null ? null : c.keyId());
            f.put("stream", ex.stream());
            f.put("prompt_tokens", ex.promptTokens());
            f.put("attempts", ex.attempts());
            f.put("completion_tokens", ex.completionTokens());
            f.put("deployment", ex.deployment());
            f.put("upstream_latency_ms", ex.upstreamNanos() < 0 ? null : ex.upstreamNanos() / 1_000_000);
            f.put("ttft_ms", ex.stream() && s.headersNanos >= 0 ? s.headersNanos / 1_000_000 : null);
            f.put("refused_by", ex.refusedBy());
        }
        f.put("trace_id", s.trace == null ? null : dev.sluice.gateway.observability.Tracing.traceId(s.trace));
        AccessLogWriter.submit(f, method, f.get("route"), status); // encoded and written off the event loop
    }

    /** The line of an answer the HTTP layer gave before (or instead of) routing: a refused or malformed request. */
    static void connection(String requestId, dev.sluice.gateway.pipeline.ApiException e, String clientIp) {
        if (!LOG.isInfoEnabled()) return;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request_id", requestId);
        f.put("method", "-");
        f.put("route", "-");
        f.put("status", e.status());
        f.put("error_code", e.error().code() != null ? e.error().code() : e.error().type());
        f.put("latency_ms", 0);
        f.put("client_ip", clientIp);
        AccessLogWriter.submit(f, "-", "-", e.status()); // the same "- - <status>" message, off the event loop
    }
}
