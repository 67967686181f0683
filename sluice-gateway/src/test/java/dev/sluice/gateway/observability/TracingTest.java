package dev.sluice.gateway.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tracing without an exporter: every request and attempt still gets a trace context that is passed upstream (the
 * caller's trace id, flags and tracestate, a span id of its own), and no span is recorded, since nothing would read it.
 */
class TracingTest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String PARENT = "b7ad6b7169203331";

    @Test
    void aSampledCallersContextIsPassedOnWithANewSpanIdAndNothingIsRecorded() {
        try (Tracing tracing = new Tracing(1.0, null, null)) {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                    .add("traceparent", "00-" + TRACE + "-" + PARENT + "-01").add("tracestate", "congo=t61rcWkgMzE");
            Context request = tracing.serverSpan(headers, "POST", "/v1/chat/completions");
            Map<String, String> sent = new LinkedHashMap<>();
            Span attempt = tracing.attemptSpan(request, "chat", "sim-mini", sent::put);

            assertThat(Span.fromContext(request).isRecording()).isFalse();
            assertThat(attempt.isRecording()).isFalse();
            assertThat(Tracing.traceId(request)).isEqualTo(TRACE);
            String serverSpanId = Span.fromContext(request).getSpanContext().getSpanId();
            String attemptSpanId = attempt.getSpanContext().getSpanId();
            assertThat(serverSpanId).matches("[0-9a-f]{16}").isNotEqualTo(PARENT).isNotEqualTo("0".repeat(16));
            assertThat(attemptSpanId).matches("[0-9a-f]{16}").isNotEqualTo(PARENT).isNotEqualTo(serverSpanId);
            assertThat(sent).containsExactly(Map.entry("traceparent", "00-" + TRACE + "-" + attemptSpanId + "-01"),
                    Map.entry("tracestate", "congo=t61rcWkgMzE"));
            attempt.end();
            Span.fromContext(request).end();
        }
    }

    @Test
    void aRequestWithoutContextGetsANewUnsampledTraceFlaggedAsARandomId() {
        try (Tracing tracing = new Tracing(1.0, null, null)) {
            Context request = tracing.serverSpan(MultiMap.caseInsensitiveMultiMap(), "POST", "/v1/embeddings");
            Map<String, String> sent = new LinkedHashMap<>();
            Span attempt = tracing.attemptSpan(request, "embeddings", "sim-embed", sent::put);

            String trace = Tracing.traceId(request);
            assertThat(trace).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
            assertThat(sent).containsExactly(Map.entry("traceparent",
                    "00-" + trace + "-" + attempt.getSpanContext().getSpanId() + "-02"));
            assertThat(Tracing.traceId(tracing.serverSpan(MultiMap.caseInsensitiveMultiMap(), "POST", "/"))).as(
                    "each request its own trace").isNotEqualTo(trace);
        }
    }

    @ParameterizedTest(name = "caller flags {0}")
    @ValueSource(strings = {"00", "01", "02", "03"})
    void theCallersSampledAndRandomIdFlagsAreKept(String flags) {
        try (Tracing tracing = new Tracing(1.0, null, null)) {
            Context request = tracing.serverSpan(MultiMap.caseInsensitiveMultiMap()
                    .add("traceparent", "00-" + TRACE + "-" + PARENT + "-" + flags), "POST", "/v1/chat/completions");
            Map<String, String> sent = new LinkedHashMap<>();
            Span attempt = tracing.attemptSpan(request, "chat", "sim-mini", sent::put);
            assertThat(sent.get("traceparent")).isEqualTo("00-" + TRACE + "-" + attempt.getSpanContext().getSpanId()
                    + "-" + flags);
        }
    }

    @Test
    void theTraceContextSentIsWhatTheW3cPropagatorWrites() {
        List<SpanContext> contexts = List.of(
                SpanContext.create(TRACE, PARENT, TraceFlags.getDefault(), TraceState.getDefault()),
                SpanContext.create(TRACE, PARENT, TraceFlags.getSampled(), TraceState.getDefault()),
                SpanContext.create(TRACE, PARENT, TraceFlags.builder().setRandomTraceId(true).build(),
                        TraceState.getDefault()),
                SpanContext.create(TRACE, PARENT, TraceFlags.builder().setSampled(true).setRandomTraceId(true).build(),
                        TraceState.builder().put("congo", "t61rcWkgMzE").put("rojo", "00f067aa0ba902b7").build()),
                SpanContext.getInvalid(),
                SpanContext.create(IdGenerator.random().generateTraceId(), IdGenerator.random().generateSpanId(),
                        TraceFlags.getSampled(), TraceState.getDefault()));
        for (SpanContext sc : contexts) {
            Span span = Span.wrap(sc);
            Map<String, String> ours = new LinkedHashMap<>();
            Tracing.inject(span, Context.root(), ours::put);
            Map<String, String> w3c = new LinkedHashMap<>();
            W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), w3c, Map::put);
            assertThat(ours).as(sc.toString()).containsExactlyEntriesOf(w3c);
        }
    }
}
