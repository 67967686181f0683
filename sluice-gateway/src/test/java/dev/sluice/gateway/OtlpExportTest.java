package dev.sluice.gateway;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/** With {@code otlp_endpoint} set, spans and metrics are pushed over OTLP/HTTP to a collector (here a loopback fake). */
class OtlpExportTest {
    @TempDir
    Path dir;

    @Test
    void spansAndMetricsArePushedToTheConfiguredCollector() throws IOException {
        Map<String, List<byte[]>> received = new ConcurrentHashMap<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            received.computeIfAbsent(ex.getRequestURI().getPath(), p -> new CopyOnWriteArrayList<>()).add(body);
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        try {
            String yaml = "observability:\n  otlp_endpoint: http://127.0.0.1:" + collector.getAddress().getPort() + "\n";
            try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
                assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            } // closing flushes the span batch and pushes the metrics once more
            assertThat(received.get("/v1/traces")).as("spans received").isNotEmpty();
            String traces = new String(received.get("/v1/traces").getFirst(), StandardCharsets.ISO_8859_1);
            assertThat(traces).contains("sluice").contains("POST /v1/chat/completions").contains("chat sim-mini");
            assertThat(received.get("/v1/metrics")).as("metrics received").isNotEmpty();
            String metrics = new String(received.get("/v1/metrics").getLast(), StandardCharsets.ISO_8859_1);
            assertThat(metrics).contains("gen_ai.server.request.duration").contains("sluice_upstream_attempts");
        } finally {
            collector.stop(0);
        }
    }
}
