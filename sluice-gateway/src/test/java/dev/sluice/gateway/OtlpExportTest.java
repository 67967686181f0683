package dev.sluice.gateway;

import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/** With {@code otlp_endpoint} set, spans and metrics are pushed over OTLP/HTTP to a collector (here a loopback fake). */
class OtlpExportTest {
    @TempDir
    Path dir;

    @Test
    void spansAndMetricsArePushedToTheConfiguredCollector() throws IOException {
        try (ScriptedServer collector = ScriptedServer.start()
                .route(r -> Reply.text(200, "application/x-protobuf", ""))) {
            String yaml = "observability:\n  otlp_endpoint: " + collector.origin() + "\n";
            try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
                assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            } // closing flushes the span batch and pushes the metrics once more
            Map<String, List<byte[]>> received = new HashMap<>();
            for (ScriptedServer.Recorded r : collector.requests()) {
                received.computeIfAbsent(r.path(), p -> new ArrayList<>()).add(r.body());
            }
            assertThat(received.get("/v1/traces")).as("spans received").isNotEmpty();
            String traces = new String(received.get("/v1/traces").getFirst(), StandardCharsets.ISO_8859_1);
            assertThat(traces).contains("sluice").contains("POST /v1/chat/completions").contains("chat sim-mini");
            assertThat(received.get("/v1/metrics")).as("metrics received").isNotEmpty();
            String metrics = new String(received.get("/v1/metrics").getLast(), StandardCharsets.ISO_8859_1);
            assertThat(metrics).contains("gen_ai.server.request.duration").contains("sluice_upstream_attempts");
        }
    }
}
