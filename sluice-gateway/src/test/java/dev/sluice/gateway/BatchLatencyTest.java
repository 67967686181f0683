package dev.sluice.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Live traffic keeps its latency while a batch runs: batch lines are bounded in concurrency and yield to it. */
class BatchLatencyTest {
    static final int SAMPLES = 300;
    @TempDir
    Path dir;

    @Test
    void interactiveMedianLatencyStaysWithinOneAndAHalfTimesWhileABatchRuns() {
        try (TestGateway gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\n"
                // A throughput test: limits far above what the batch needs (batch lines obey rate limits).
                + "limits:\n  defaults:\n    sim-mini:\n      organization: {rpm: 1000000, tpm: 1000000000}\n      project: {rpm: 1000000, tpm: 1000000000}\n"
                // 900 back-to-back calls from a new project are exactly what Slow Down refuses; not the subject here.
                + "slow_down:\n  enabled: false\n").start()) {
            measure(gw, 600); // warm-up: JIT, connections, key cache
            double without = measure(gw, SAMPLES);

            StringBuilder in = new StringBuilder();
            for (int i = 0; i < 20_000; i++) in.append(chatLine("l" + i, "tokens=1"));
            String id = createBatch(gw, uploadBatchFile(gw, in.toString()), "/v1/chat/completions").get("id").asText();
            await(gw, id, b -> b.get("request_counts").get("completed").asInt() > 300, Duration.ofSeconds(60));
            double with = measure(gw, SAMPLES);
            int doneDuring = getBatch(gw, id).get("request_counts").get("completed").asInt();
            gw.post("/v1/batches/" + id + "/cancel", "");

            System.out.printf("interactive p50 without a batch %.2f ms, with a batch running %.2f ms (ratio %.2f); "
                    + "batch lines done by then: %d%n", without, with, with / without, doneDuring);
            assertThat(getBatch(gw, id).get("status").asText()).isIn("cancelling", "cancelled");
            assertThat(with / without).isLessThanOrEqualTo(1.5);
        }
    }

    private static double measure(TestGateway gw, int n) {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            HttpResponse<String> r = gw.post("/v1/chat/completions", TestGateway.chat("sim-mini", "\"max_tokens\":1"));
            ms[i] = (System.nanoTime() - t) / 1e6;
            assertThat(r.statusCode()).isEqualTo(200);
        }
        Arrays.sort(ms);
        return ms[n / 2];
    }
}
