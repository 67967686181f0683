package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.adminGet;
import static dev.sluice.gateway.TrafficHarness.adminPost;
import static dev.sluice.gateway.TrafficHarness.chatRequest;
import static dev.sluice.gateway.TrafficHarness.okJson;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out mode: three gateways (each with its own HTTP servers and event loops) sharing one PostgreSQL schema and
 * one Redis enforce one limit exactly, see an admin change within a second, and write one ledger.
 */
class ScaleOutTest {
    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    @TempDir
    Path dir;

    @Test
    void threeGatewaysSharingRedisAdmitExactlyTheLimitOf600ConcurrentRequests() throws Exception {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        String schema = "sluice_scale_" + HexFormat.of().formatHex(b);
        String yaml = "storage:\n  kind: postgres\n  url: " + PG_URL + "\n  user: postgres\n  schema: " + schema + "\n"
                + "limits:\n  store: redis\n  reload_ms: 200\n"
                // 600 requests at once on a loaded machine kept limit decisions unanswered past the default 2 s (the
                // event loops were busy with the burst): the limit failed closed with 503 server_overloaded after
                // Redis had counted the request, and only 20 of 100 were served. That is the product's answer to a
                // slow store, not what this test is about: the script calls get room.
                + "redis:\n  url: redis://127.0.0.1:6379\n  key_prefix: \"" + TrafficHarness.uniquePrefix() + "\"\n"
                + "  script_timeout_ms: 60000\n"
                + TrafficHarness.ONLY_LIMITS
                // Each gateway opens its first connection to its simulator (h2c) during the burst. When that takes
                // longer than wait_ms + connect_ms (4 s; event loops stalled 2-4 s on the loaded machine), every
                // request waiting for it gets 503 upstream_capacity after the limit admitted it: 93 of 100 once.
                // Connecting, which is not what this test is about, gets room; any other answer is shown.
                + "upstream_pool: {wait_ms: 60000}\nupstream_timeouts: {connect_ms: 30000}\n"
                // The event loops stalled up to 10.7 s in that burst: the slow-client guard then closed a connection
                // whose request it had not read yet as silent ("header parser received no bytes"). Not this test's
                // subject either.
                + "server: {header_timeout_ms: 120000, body_rate_grace_ms: 120000}\n";
        FakeTime clock = FakeTime.at("2026-03-10T12:00:00Z"); // stands still: no refill during the burst
        List<TestGateway> gateways = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) gateways.add(TestGateway.builder(dir.resolve("gw" + i)).config(yaml).clock(clock).start());
            TestGateway first = gateways.getFirst();
            String project = TrafficHarness.projectId(first);
            String org = TrafficHarness.orgId(first);

            okJson(adminPost(first, "/v1/organization/projects/" + project + "/rate_limits/rl-sim-mini",
                    "{\"max_requests_per_1_minute\": 100}"));
            // every gateway picks the change up (they reload every 200 ms; the wait is for that state, not a speed)
            for (TestGateway gw : gateways) {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120); // a hang, not a speed
                while (okJson(adminGet(gw, "/v1/organization/projects/" + project + "/rate_limits")).get("data").get(0)
                        .get("max_requests_per_1_minute").asLong() != 100) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("gateway " + gateways.indexOf(gw) + " never showed the new limit");
                    }
                    Thread.sleep(20);
                }
            }

            // Each gateway's request path and connections to its simulator are warmed first, by requests of another
            // family (sim-large has no limit here). A cold start inside the burst stalled the event loops for
            // seconds, and the clock of the limits stands still while Redis expires a bucket in real time (after
            // the time it would take to drain: 1.6 s after the first admission), so a stall that long between early
            // admissions lets the bucket start again empty (the likely cause of 103 served, seen once).
            for (TestGateway gw : gateways) {
                for (int i = 0; i < 4; i++) {
                    HttpResponse<String> warm = gw.post("/v1/chat/completions", chat("sim-large", null));
                    assertThat(warm.statusCode()).as(warm.body()).isEqualTo(200);
                }
            }

            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                TestGateway gw = gateways.get(i % 3);
                java.net.http.HttpRequest r = java.net.http.HttpRequest.newBuilder(chatRequest(gw, chat("sim-mini", null)),
                        (n, v) -> true).timeout(java.time.Duration.ofSeconds(120)).build(); // a hang, not a speed
                all.add(gw.http.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> answers = all.stream().map(CompletableFuture::join).toList();

            // what else came back, if anything: the answers that are neither admitted nor refused by the limit
            String others = answers.stream().filter(r -> r.statusCode() != 200 && r.statusCode() != 429)
                    .map(r -> r.statusCode() + " " + r.body()).distinct().limit(5).toList().toString();
            assertThat(answers.stream().filter(r -> r.statusCode() == 200)).as(others).hasSize(100);
            List<HttpResponse<String>> refused = answers.stream().filter(r -> r.statusCode() != 200).toList();
            assertThat(refused).hasSize(500);
            for (HttpResponse<String> r : refused) {
                JsonNode err = assertError(r, 429, "requests", "rate_limit_exceeded", null, true);
                assertThat(err.get("message").asText()).isEqualTo("Rate limit reached for sim-mini in organization "
                        + org + " project " + project + " on requests per min (RPM): Limit 100, Used 100, "
                        + "Requested 1. Please try again in 600ms.");
                assertThat(r.headers().firstValue("retry-after-ms")).contains("600");
            }
        } finally {
            for (TestGateway gw : gateways) gw.close(); // drains each gateway's ledger
        }
        try (Connection c = DriverManager.getConnection(PG_URL, "postgres", null); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT request_id), "
                    + "SUM(CASE WHEN outcome = 'completed' THEN 1 ELSE 0 END) FROM \"" + schema + "\".usage_ledger"
                    + " WHERE model = 'sim-mini'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(600);
                assertThat(rs.getLong(2)).isEqualTo(600);
                assertThat(rs.getLong(3)).isEqualTo(100);
            } finally {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }
}
