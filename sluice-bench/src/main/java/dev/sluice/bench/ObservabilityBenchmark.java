package dev.sluice.bench;

import dev.sluice.gateway.observability.GatewayMetrics;
import dev.sluice.gateway.observability.ProjectLabels;
import dev.sluice.gateway.observability.Tracing;
import dev.sluice.gateway.usage.FinishedRequest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.MultiMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * What metrics and tracing add to one model request: the request-level metrics (HTTP and GenAI server histograms,
 * per-project counter), one upstream attempt's metrics (attempt counter, GenAI client histogram and token usage),
 * and the spans (server span with the caller's traceparent, one attempt span with its traceparent injected) with
 * sampling off (no exporter: ids only) and on (every span recorded and handed to an exporter that drops it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ObservabilityBenchmark {
    static final FinishedRequest REQUEST = new FinishedRequest("POST", "/v1/chat/completions", "CHAT_COMPLETIONS",
            true, 200, null, null, 12_345_678, 2_345_678, 275, 120, 1, true, false, "sim-mini", "sim", "sim",
            "sim-mini", "proj_bench", null, false);

    GatewayMetrics metrics;

    @Setup
    public void setUp() {
        metrics = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), ProjectLabels.capped(100));
    }

    @Benchmark
    public void requestMetrics() {
        metrics.finished(REQUEST);
    }

    @Benchmark
    public void attemptMetrics() {
        metrics.attempt("CHAT_COMPLETIONS", "sim-mini", "sim", "sim", "sim-mini", "127.0.0.1", "success", false,
                9_000_000, 275, 120);
    }

    /** Tracing with sampling off (no exporter configured) or on (ratio 1 and an exporter that drops every span). */
    @State(Scope.Thread)
    public static class Traces {
        @Param({"off", "on"})
        public String sampling;
        Tracing tracing;
        final MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");

        @Setup(Level.Trial)
        public void setUp() {
            tracing = "on".equals(sampling) ? new Tracing(1.0, null, new Dropping()) : new Tracing(1.0, null, null);
            if ("on".equals(sampling)) headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            tracing.close();
        }
    }

    @Benchmark
    public void requestAndAttemptSpans(Traces t, Blackhole bh) {
        Context request = t.tracing.serverSpan(t.headers, "POST", "/v1/chat/completions");
        Span attempt = t.tracing.attemptSpan(request, "chat", "sim-mini", (k, v) -> bh.consume(v));
        attempt.end();
        Span.fromContext(request).end();
        bh.consume(Tracing.traceId(request));
    }

    /** An exporter that takes every span and keeps none (the cost of recording, not of sending). */
    static final class Dropping implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
