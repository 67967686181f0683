package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.usage.UsageRecord;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Helpers for the limits, quota and overload tests: the two limit stores as a parameter, admin calls, concurrent
 * bursts, and waiting for a request's usage record (which is written after its limit correction).
 */
final class TrafficHarness {
    private TrafficHarness() {}

    /**
     * Where limits and slow-down counters live. REDIS uses the real server at 127.0.0.1:6379 with a key prefix of its
     * own; an unreachable Redis fails the gateway's start, so these tests fail rather than skip.
     */
    enum Store {
        MEMORY, REDIS;

        String yaml() {
            return yaml("");
        }

        /** The config of this store, with {@code limitsBody} (lines indented by two spaces) under {@code limits:}. */
        String yaml(String limitsBody) {
            String limits = "limits:\n  store: " + name().toLowerCase(java.util.Locale.ROOT) + "\n" + limitsBody;
            if (this == MEMORY) return limits;
            return limits + "redis:\n  url: redis://127.0.0.1:6379\n  key_prefix: \"" + uniquePrefix() + "\"\n";
        }
    }

    static String uniquePrefix() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return "sluice-test-" + HexFormat.of().formatHex(b) + ":";
    }

    /** Turns off Slow Down and admission control, so a test sees only the concern it is about. */
    static final String ONLY_LIMITS = "slow_down:\n  enabled: false\noverload:\n  enabled: false\n";

    static HttpResponse<String> adminGet(TestGateway gw, String path) {
        return gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + path))
                .header("authorization", "Bearer " + gw.gateway.adminToken()).timeout(Duration.ofSeconds(20))
                .GET().build());
    }

    static HttpResponse<String> adminPost(TestGateway gw, String path, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + path))
                .header("authorization", "Bearer " + gw.gateway.adminToken()).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return TestGateway.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body());
        }
    }

    static JsonNode okJson(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    static HttpRequest chatRequest(TestGateway gw, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return b.build();
    }

    /** Sends {@code n} requests at once and returns every answer. */
    static List<HttpResponse<String>> burst(TestGateway gw, int n, String body, String... headers) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) all.add(gw.http.sendAsync(chatRequest(gw, body, headers), HttpResponse.BodyHandlers.ofString()));
        return all.stream().map(CompletableFuture::join).toList();
    }

    static String requestId(HttpResponse<String> r) {
        return r.headers().firstValue("x-request-id").orElseThrow();
    }

    /** Waits for the request's usage record: by then its token correction and reservation release are done. */
    /**
     * The usage record of {@code r}'s request, once the gateway has written it (it may follow the answer). The bound is
     * for a hang, not a speed; the poll pauses, so it takes no core from the gateway on a loaded machine.
     */
    static UsageRecord awaitUsage(TestGateway gw, HttpResponse<String> r) {
        String id = requestId(r);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            for (UsageRecord u : gw.usage.records()) if (u.requestId().equals(id)) return u;
            if (System.nanoTime() > deadline) throw new AssertionError("no usage record for " + id);
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    /** The value of a Prometheus sample line {@code name{...} value} (or {@code name value}), summed over labels. */
    static double metric(TestGateway gw, String name) {
        String text = gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics"))
                .GET().build()).body();
        double sum = 0;
        for (String line : text.lines().toList()) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static String orgId(TestGateway gw) {
        return gw.gateway.demo().orElseThrow().orgId();
    }

    static String projectId(TestGateway gw) {
        return gw.gateway.demo().orElseThrow().projectId();
    }
}
