package dev.sluice.gateway.observability;

import dev.sluice.gateway.config.SluiceConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything observability of one gateway owns: its {@link GatewayMetrics}, the JVM/GC binders, the event-loop lag
 * probes, the {@link Tracing} and the upstream telemetry. Built once at start, closed with the gateway.
 */
public final class Observability implements AutoCloseable {
    /** Numbers the Vert.x metrics backends of the gateways of this JVM (see {@link #vertx}). */
    private static final AtomicLong VERTX_REGISTRIES = new AtomicLong();
    /** How often each event loop is probed for lag. */
    static final long PROBE_MS = 1000;

    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final UpstreamTelemetry upstream;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<ScheduledFuture<?>> probes = new ArrayList<>();

    private Observability(GatewayMetrics metrics, Tracing tracing) {
        this.metrics = metrics;
        this.tracing = tracing;
        this.upstream = new UpstreamTelemetry(metrics, tracing);
    }

    /**
     * The registry every meter goes to: {@code prometheus} (scraped on {@code /metrics}) alone, or with an OTLP
     * registry beside it that pushes every {@code otlp_metrics_step_ms} to {@code otlp_endpoint}/v1/metrics.
     */
    public static MeterRegistry registry(SluiceConfig.Observability cfg, MeterRegistry prometheus) {
        if (cfg.otlpEndpoint() == null) return prometheus;
        String base = cfg.otlpEndpoint().endsWith("/")
                ? cfg.otlpEndpoint().substring(0, cfg.otlpEndpoint().length() - 1) : cfg.otlpEndpoint();
        java.util.Map<String, String> otlp = java.util.Map.of("otlp.url", base + "/v1/metrics",
                "otlp.step", java.time.Duration.ofMillis(cfg.otlpMetricsStepMs()).toString(),
                "otlp.resourceAttributes", "service.name=sluice");
        io.micrometer.core.instrument.composite.CompositeMeterRegistry composite =
                new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        composite.add(prometheus);
        composite.add(new io.micrometer.registry.otlp.OtlpMeterRegistry(otlp::get,
                io.micrometer.core.instrument.Clock.SYSTEM));
        return composite;
    }

    /**
     * A Vert.x instance with the gateway's own options (event loops and so on) on {@code transport} (null: the one
     * {@code options} prefer), reporting its HTTP servers, clients and pools to {@code registry} when configured.
     */
    public static Vertx vertx(SluiceConfig.Observability cfg, MeterRegistry registry, VertxOptions options,
                              io.vertx.core.transport.Transport transport) {
        io.vertx.core.VertxBuilder builder = Vertx.builder();
        if (transport != null) builder = builder.withTransport(transport);
        if (cfg.vertxMetrics()) {
            // vertx-micrometer keeps backends by registry name for the whole JVM: a name of this gateway's own, so a
            // second gateway in one JVM (tests, embedding) reports to its registry and not to the first one's
            MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true)
                    .setRegistryName("sluice-" + VERTX_REGISTRIES.incrementAndGet());
            if (!cfg.vertxHttpMetrics()) {
                // Per request and per attempt these resolve four meters by tags: ~10 µs a request (docs/benchmarks.md)
                metrics.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
                        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
            }
            options.setMetricsOptions(metrics);
            builder = builder.withMetrics(new MicrometerMetricsFactory(registry));
        }
        return builder.with(options).build();
    }

    public static Observability start(SluiceConfig.Observability cfg, MeterRegistry registry, Vertx vertx,
                                      SpanExporter extraSpans) {
        List<AutoCloseable> pushers = new ArrayList<>();
        if (registry instanceof io.micrometer.core.instrument.composite.CompositeMeterRegistry c) {
            c.getRegistries().forEach(r -> {
                if (r instanceof io.micrometer.registry.otlp.OtlpMeterRegistry otlp) pushers.add(otlp::close);
            });
        }
        GatewayMetrics metrics = new GatewayMetrics(registry, new ProjectLabels(cfg.projectLabels(),
                cfg.maxProjectLabels()));
        Observability o = new Observability(metrics, new Tracing(cfg.traceSampleRatio(), cfg.otlpEndpoint(), extraSpans));
        if (cfg.jvmMetrics()) {
            new JvmMemoryMetrics().bindTo(registry);
            JvmGcMetrics gc = new JvmGcMetrics();
            gc.bindTo(registry);
            o.closeables.add(gc);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
        }
        if (cfg.vertxMetrics()) o.probeEventLoops(vertx, registry);
        o.closeables.addAll(pushers); // closing the OTLP registry pushes what it has
        return o;
    }

    /**
     * One gauge per event loop: how late its last probe task ran ({@code sluice_event_loop_lag_seconds}). A loop
     * kept busy by blocking work shows here before requests slow down.
     */
    private void probeEventLoops(Vertx vertx, MeterRegistry registry) {
        int n = 0;
        for (EventExecutor loop : ((io.vertx.core.internal.VertxInternal) vertx).nettyEventLoopGroup()) {
            AtomicLong lagNanos = new AtomicLong();
            Gauge.builder("sluice_event_loop_lag_seconds", lagNanos, l -> l.get() / 1e9)
                    .description("How late the last probe task on this event loop ran")
                    .tags("loop", String.valueOf(n++)).register(registry);
            long[] due = {System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_MS)};
            probes.add(loop.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                lagNanos.set(Math.max(0, now - due[0]));
                due[0] = now + TimeUnit.MILLISECONDS.toNanos(PROBE_MS);
            }, PROBE_MS, PROBE_MS, TimeUnit.MILLISECONDS));
        }
    }

    /**
     * A private copy for the warm-up: the same meters over {@code registry} (with the same project labels) and a
     * tracer that builds spans exactly when the gateway's does, exporting none; no JVM meters, no event-loop probes.
     */
    public static Observability detached(SluiceConfig.Observability cfg, MeterRegistry registry) {
        GatewayMetrics metrics = new GatewayMetrics(registry, new ProjectLabels(cfg.projectLabels(),
                cfg.maxProjectLabels()));
        return new Observability(metrics, new Tracing(cfg.traceSampleRatio(), null,
                cfg.otlpEndpoint() == null ? null : Tracing.DISCARD));
    }

    public GatewayMetrics metrics() { return metrics; }

    public Tracing tracing() { return tracing; }

    public UpstreamTelemetry upstream() { return upstream; }

    @Override
    public void close() {
        probes.forEach(p -> p.cancel(false));
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort at shutdown
            }
        }
        tracing.close();
        metrics.forget();
    }
}
