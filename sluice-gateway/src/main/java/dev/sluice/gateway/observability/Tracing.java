package dev.sluice.gateway.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.MultiMap;

import java.util.function.BiConsumer;

/**
 * Traces with the OpenTelemetry SDK (no agent): a server span per public request, continuing the caller's W3C
 * {@code traceparent}/{@code tracestate}, and a client span per upstream attempt whose context is sent upstream.
 * New traces are sampled at {@code sampleRatio}; a caller's sampling decision is followed. Spans go to OTLP/HTTP only
 * when an endpoint is configured (and to {@code extra}, the in-memory exporter of tests); otherwise no span is built
 * at all: each request and attempt gets only a span context (the caller's trace id or a new one, a new span id, the
 * caller's flags and tracestate), which is propagated upstream and appears in the access log.
 */
public final class Tracing implements AutoCloseable {
    public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    /** The server span's name until it is known to be recorded (then {@code METHOD path}). */
    private static final String SERVER_SPAN = "request";
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(MultiMap carrier) {
            return carrier.names();
        }

        @Override
        public String get(MultiMap carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private static final IdGenerator IDS = IdGenerator.random();

    private final SdkTracerProvider provider; // null: nothing to export to
    private final Tracer tracer;

    /** Takes every span and keeps none (the warm-up's tracer: spans built as the gateway's are, sent nowhere). */
    public static final SpanExporter DISCARD = new SpanExporter() {
        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode export(
                java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode flush() {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }
    };

    public Tracing(double sampleRatio, String otlpEndpoint, SpanExporter extra) {
        if (otlpEndpoint == null && extra == null) {
            // Nothing to export to: no span is recorded, so none is built (see contextOnly).
            this.provider = null;
            this.tracer = null;
            return;
        }
        SdkTracerProviderBuilder b = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(io.opentelemetry.api.common.Attributes.of(
                        AttributeKey.stringKey("service.name"), "sluice"))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
                .setIdGenerator(IDS);
        if (otlpEndpoint != null) {
            String url = otlpEndpoint.endsWith("/") ? otlpEndpoint.substring(0, otlpEndpoint.length() - 1) : otlpEndpoint;
            b.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                    .setEndpoint(url + "/v1/traces").build()).build());
        }
        if (extra != null) b.addSpanProcessor(SimpleSpanProcessor.create(extra));
        this.provider = b.build();
        this.tracer = provider.get("dev.sluice.gateway");
    }

    /** Starts the server span of a request, child of the caller's trace context when its headers carry one. */
    public Context serverSpan(MultiMap headers, String method, String path) {
        Context parent = W3C.extract(Context.root(), headers, HEADERS);
        if (tracer == null) return parent.with(contextOnly(parent));
        Span span = tracer.spanBuilder(SERVER_SPAN).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
        // Name and attributes only on a recorded span: an unsampled request builds no strings for them (the samplers
        // here never read a span's name or attributes, and the processors read them only at its end).
        if (span.isRecording()) {
            span.updateName(method + " " + path).setAttribute(METHOD, method).setAttribute(URL_PATH, path);
        }
        return parent.with(span);
    }

    /**
     * Starts an upstream attempt's client span under {@code parent}, named {@code operation model}, and writes its
     * trace context into the upstream request's headers with {@code header}. The name is built only for a span that
     * is built (not without an exporter).
     */
    public Span attemptSpan(Context parent, String operation, String model, BiConsumer<String, String> header) {
        Span span = tracer == null ? contextOnly(parent)
                : tracer.spanBuilder(operation + " " + model).setParent(parent).setSpanKind(SpanKind.CLIENT)
                        .startSpan();
        inject(span, parent, header);
        return span;
    }

    /**
     * Writes {@code span}'s context as {@link W3CTraceContextPropagator#inject} does: {@code traceparent}
     * ({@code 00-<trace id>-<span id>-<flags>}), nothing for an invalid context. Without a trace state (the rule:
     * only a caller's is carried) the header is built here in one string, without the propagator's context and
     * thread-local buffer; with one, the propagator writes both headers itself (it encodes the trace state).
     */
    static void inject(Span span, Context parent, BiConsumer<String, String> header) {
        SpanContext sc = span.getSpanContext();
        if (!sc.getTraceState().isEmpty()) {
            W3C.inject(parent.with(span), header, (h, k, v) -> h.accept(k, v));
        } else if (sc.isValid()) {
            header.accept(TRACEPARENT, "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-"
                    + sc.getTraceFlags().asHex());
        }
    }

    /**
     * A span that is only a context, with the ids and flags the SDK's parent-based sampler gives a span: the parent's
     * trace id, sampled and random-id flags and tracestate, or without a parent a new random trace id (not sampled,
     * random-id flag set); a new span id either way. Without an exporter nothing would read a recorded span, so none
     * is recorded, whatever the flags.
     */
    private static Span contextOnly(Context parent) {
        SpanContext p = Span.fromContext(parent).getSpanContext();
        if (!p.isValid()) {
            return Span.wrap(SpanContext.create(IDS.generateTraceId(), IDS.generateSpanId(), NEW_TRACE,
                    TraceState.getDefault()));
        }
        TraceFlags f = p.getTraceFlags();
        return Span.wrap(SpanContext.create(p.getTraceId(), IDS.generateSpanId(), f.isSampled()
                ? (f.isTraceIdRandom() ? SAMPLED_RANDOM : SAMPLED) : (f.isTraceIdRandom() ? NEW_TRACE : NOT_SAMPLED),
                p.getTraceState()));
    }

    private static final String TRACEPARENT = "traceparent";

    private static final TraceFlags NOT_SAMPLED = TraceFlags.getDefault();
    private static final TraceFlags SAMPLED = TraceFlags.getSampled();
    private static final TraceFlags NEW_TRACE = TraceFlags.builder().setRandomTraceId(true).build();
    private static final TraceFlags SAMPLED_RANDOM = TraceFlags.builder().setSampled(true).setRandomTraceId(true).build();

    /** Marks a span failed with the contract code as {@code error.type}. */
    public static void failed(Span span, String errorType) {
        span.setAttribute("error.type", errorType);
        span.setStatus(StatusCode.ERROR, errorType);
    }

    /** The trace id of the request's span (32 hex digits). */
    public static String traceId(Context c) {
        SpanContext sc = Span.fromContext(c).getSpanContext();
        return sc.isValid() ? sc.getTraceId() : null;
    }

    @Override
    public void close() {
        if (provider != null) provider.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
    }
}
