package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Traces over HTTP: the caller's W3C trace context is continued, each upstream attempt is a child span whose
 * {@code traceparent} the simulator received, and the trace id is in the access log line. New traces follow
 * {@code trace_sample_ratio}; successful access lines follow {@code access_log_success_sample_ratio}.
 */
class TracingOverHttpTest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String PARENT = "b7ad6b7169203331";

    @TempDir
    Path dir;

    static <T> T await(Supplier<T> value, java.util.function.Predicate<T> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        T v = value.get();
        while (!done.test(v) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            v = value.get();
        }
        return v;
    }

    @Test
    void aCallersTraceContinuesThroughTheGatewayWithOneChildSpanPerUpstreamAttempt() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        // ratio 0: only the caller's sampled flag makes this trace recorded
        String yaml = "observability:\n  trace_sample_ratio: 0.0\nupstream_retries:\n  base_backoff_ms: 5\n"
                + "  max_backoff_ms: 20\n";
        try (CapturedLogs logs = new CapturedLogs();
             TestGateway gw = TestGateway.builder(dir).config(yaml).fault(ex -> { }).spans(spans).start()) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null),
                    "traceparent", "00-" + TRACE + "-" + PARENT + "-01", "tracestate", "congo=t61rcWkgMzE",
                    "x-sluice-sim", "status=503;fail_times=1");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-sluice-attempts")).contains("2");

            List<SpanData> all = await(spans::getFinishedSpanItems, l -> l.size() >= 3);
            assertThat(all).hasSize(3).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE));
            SpanData server = all.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
            assertThat(server.getName()).isEqualTo("POST /v1/chat/completions");
            assertThat(server.getParentSpanId()).isEqualTo(PARENT);
            assertThat(server.getSpanContext().getTraceState().get("congo")).isEqualTo("t61rcWkgMzE");
            assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("sim-mini");
            assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
            assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("sluice.sim");

            List<SpanData> attempts = all.stream().filter(s -> s.getKind() == SpanKind.CLIENT)
                    .sorted(Comparator.comparing(s -> s.getAttributes().get(AttributeKey.longKey("sluice.attempt"))))
                    .toList();
            assertThat(attempts).hasSize(2).allSatisfy(a -> {
                assertThat(a.getParentSpanId()).isEqualTo(server.getSpanId());
                assertThat(a.getName()).isEqualTo("chat sim-mini");
                assertThat(a.getAttributes().get(AttributeKey.stringKey("sluice.deployment"))).isEqualTo("sim");
                assertThat(a.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("127.0.0.1");
            });
            assertThat(attempts.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(attempts.get(0).getAttributes().get(AttributeKey.stringKey("error.type")))
                    .isEqualTo("upstream_unavailable");
            assertThat(attempts.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

            // the simulator received each attempt's own context: same trace, the attempt span as parent, sampled
            assertThat(gw.gateway.simulator().orElseThrow().traceparentsReceived()).containsExactly(
                    "00-" + TRACE + "-" + attempts.get(0).getSpanId() + "-01",
                    "00-" + TRACE + "-" + attempts.get(1).getSpanId() + "-01");

            String id = r.headers().firstValue("x-request-id").orElseThrow();
            List<String> lines = await(logs::accessLines, l -> l.stream().anyMatch(x -> x.contains(id)));
            JsonNode line = JSON.readTree(lines.stream().filter(x -> x.contains(id)).findFirst().orElseThrow());
            assertThat(line.get("trace_id").asText()).isEqualTo(TRACE);
            assertThat(line.get("deployment").asText()).isEqualTo("sim");
            assertThat(line.get("upstream_latency_ms").isNumber()).isTrue();
            assertThat(line.get("completion_tokens").asInt()).isPositive();
            assertThat(line.get("refused_by").isNull()).isTrue();

            // without a caller's context and at ratio 0: nothing recorded, yet a trace id is made and propagated
            spans.reset();
            HttpResponse<String> plain = gw.post("/v1/chat/completions", chat("sim-mini", null));
            assertThat(plain.statusCode()).isEqualTo(200);
            String plainId = plain.headers().firstValue("x-request-id").orElseThrow();
            List<String> after = await(logs::accessLines, l -> l.stream().anyMatch(x -> x.contains(plainId)));
            String newTrace = JSON.readTree(after.stream().filter(x -> x.contains(plainId)).findFirst().orElseThrow())
                    .get("trace_id").asText();
            assertThat(newTrace).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
            String sent = gw.gateway.simulator().orElseThrow().traceparentsReceived().getLast();
            assertThat(sent).startsWith("00-" + newTrace + "-");
            assertThat(Integer.parseInt(sent.substring(sent.length() - 2), 16) & 1).as("sampled flag").isZero();
            assertThat(spans.getFinishedSpanItems()).isEmpty();
        }
    }

    @Test
    void successfulAccessLinesAreSampledAndErrorLinesAlwaysWrittenWithTheRefusingLimit() throws Exception {
        String yaml = "observability:\n  access_log_success_sample_ratio: 0.0\nlimits:\n  defaults:\n"
                + "    sim-mini:\n      project: {rpm: 1}\n";
        try (CapturedLogs logs = new CapturedLogs(); TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
            HttpResponse<String> ok = gw.post("/v1/chat/completions", chat("sim-mini", null));
            assertThat(ok.statusCode()).isEqualTo(200);
            HttpResponse<String> refused = gw.post("/v1/chat/completions", chat("sim-mini", null));
            assertThat(refused.statusCode()).isEqualTo(429);
            String okId = ok.headers().firstValue("x-request-id").orElseThrow();
            String refusedId = refused.headers().firstValue("x-request-id").orElseThrow();
            List<String> lines = await(logs::accessLines, l -> l.stream().anyMatch(x -> x.contains(refusedId)));
            JsonNode line = JSON.readTree(lines.stream().filter(x -> x.contains(refusedId)).findFirst().orElseThrow());
            assertThat(line.get("refused_by").asText()).isEqualTo("RPM/project");
            assertThat(line.get("trace_id").asText()).matches("[0-9a-f]{32}");
            assertThat(logs.accessLines()).noneSatisfy(l -> assertThat(l).contains(okId));
        }
    }
}
