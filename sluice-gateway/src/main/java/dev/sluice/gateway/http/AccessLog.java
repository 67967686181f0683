package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request on logger {@code sluice.access}: ids, route, status, error code, latency, model and
 * caller ids; the trace id, the deployment that answered, its latency, time to first token, tokens in and out and
 * the rate limit that refused. Never the key and never the prompt: only fields listed here are written. The event
 * loop only captures the values ({@link AccessRecord}); the writer thread writes the line.
 */
final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.access");

    private AccessLog() {}

    /** Queues the line of one request to {@code writer} (null: the process-wide writer). */
    static void write(RequestScope s, String method, String path, int status, String clientIp, AccessLogWriter writer) {
        if (!LOG.isInfoEnabled()) return;
        String route = s.route != null ? s.route : path;
        String code = s.errorCode != null ? s.errorCode : s.answerCode;
        long latencyMs = (System.nanoTime() - s.startNanos) / 1_000_000;
        String traceId = s.trace == null ? null : dev.sluice.gateway.observability.Tracing.traceId(s.trace);
        Exchange ex = s.exchange;
        AccessRecord r;
        if (ex == null) {
            r = new AccessRecord(AccessRecord.PLAIN, s.requestId, method, route, status, code, latencyMs, clientIp,
                    null, null, null, null, false, 0, 0, 0, null, -1, -1, null, traceId);
        } else {
            Caller c = ex.caller();
            long upstream = ex.upstreamNanos() < 0 ? -1 : ex.upstreamNanos() / 1_000_000;
            long ttft = ex.stream() && s.headersNanos >= 0 ? s.headersNanos / 1_000_000 : -1;
            r = new AccessRecord(AccessRecord.EXCHANGE, s.requestId, method, route, status, code, latencyMs, clientIp,
                    ex.modelId(), c == null ? null : c.orgId(), c == null ? null : c.projectId(),
                    c == null ? null : c.keyId(), ex.stream(), ex.promptTokens(), ex.attempts(),
                    ex.completionTokens(), ex.deployment(), upstream, ttft, ex.refusedBy(), traceId);
        }
        if (writer == null) AccessLogWriter.submit(r); // encoded and written off the event loop
        else writer.offer(r);
    }

    /** The line of an answer the HTTP layer gave before (or instead of) routing: a refused or malformed request. */
    static void connection(String requestId, dev.sluice.gateway.pipeline.ApiException e, String clientIp) {
        if (!LOG.isInfoEnabled()) return;
        AccessLogWriter.submit(AccessRecord.connection(requestId, e.status(),
                e.error().code() != null ? e.error().code() : e.error().type(), clientIp)); // "- - <status>"
    }
}
