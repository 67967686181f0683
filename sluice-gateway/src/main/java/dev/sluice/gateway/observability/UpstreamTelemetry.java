package dev.sluice.gateway.observability;

import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.upstream.UpstreamObserver;
import io.opentelemetry.api.trace.Span;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The upstream side of metrics and traces: per attempt a client span (its context sent upstream as
 * {@code traceparent}) and, when it ends, the attempt counters and the GenAI client histograms.
 */
final class UpstreamTelemetry implements UpstreamObserver {
    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final Map<String, String> hosts = new ConcurrentHashMap<>();

    public UpstreamTelemetry(GatewayMetrics metrics, Tracing tracing) {
        this.metrics = metrics;
        this.tracing = tracing;
    }

    @Override
    public AttemptEnd attempt(Exchange ex, Deployment d, String url, int number, BiConsumer<String, String> header) {
        long start = System.nanoTime();
        String model = ex.modelId();
        String op = GatewayMetrics.operation(ex.endpoint().name());
        String responseModel = d.upstreamModel() != null ? d.upstreamModel() : model;
        String server = hosts.computeIfAbsent(url == null ? "" : url, UpstreamTelemetry::host);
        ex.upstream(d.name(), d.provider(), responseModel);
        Span span = tracing.attemptSpan(ex.trace(), op, model, header);
        if (span.isRecording()) {
            span.setAttribute("gen_ai.operation.name", op);
            span.setAttribute("gen_ai.provider.name", GatewayMetrics.providerName(d.provider()));
            span.setAttribute("gen_ai.request.model", model);
            span.setAttribute("gen_ai.response.model", responseModel);
            span.setAttribute("server.address", server);
            span.setAttribute("sluice.deployment", d.name());
            span.setAttribute("sluice.attempt", number);
        }
        return (ok, code) -> {
            long nanos = System.nanoTime() - start;
            ex.upstreamNanos(nanos);
            metrics.attempt(ex.endpoint().name(), model, d.provider(), d.name(), responseModel, server,
                    ok ? "success" : code == null ? "error" : code, number > 1, nanos,
                    ok ? ex.promptTokens() : -1, ok ? ex.completionTokens() : -1);
            if (!ok) Tracing.failed(span, code == null ? "error" : code);
            else if (span.isRecording()) {
                span.setAttribute("gen_ai.usage.input_tokens", ex.promptTokens());
                span.setAttribute("gen_ai.usage.output_tokens", ex.completionTokens());
            }
            span.end();
        };
    }

    @Override
    public void retryRefused(Exchange ex, Deployment d) {
        metrics.counter("sluice_retry_budget_exhausted", "Retries not made because the deployment's retry budget was spent",
                "model", ex.modelId(), "deployment", d.name()).increment();
    }

    @Override
    public void streamStarted(Exchange ex) {
        metrics.streamStarted();
    }

    @Override
    public void streamEnded(Exchange ex) {
        metrics.streamEnded();
    }

    private static String host(String url) {
        try {
            String h = URI.create(url).getHost();
            return h == null ? "" : h;
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
