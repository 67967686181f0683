package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The limits, redis, quotas, overload and slow_down config sections, and what a broken Redis does at start and later. */
class TrafficConfigTest {
    @TempDir
    Path dir;

    private SluiceConfig load(String yaml) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of());
    }

    private void refused(String yaml, String key) {
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining("'" + key + "'");
    }

    @Test
    void theDefaultsAreAnEmbeddedGatewayWithRealLimits() throws IOException {
        SluiceConfig c = load("");
        assertThat(c.limits().store().configName()).isEqualTo("memory");
        assertThat(c.limits().defaults().get("sim-mini").project().rpm()).isEqualTo(5000);
        assertThat(c.limits().defaults().get("sim-image").project().ipm()).isEqualTo(50);
        assertThat(c.overload().enabled()).isTrue();
        assertThat(c.overload().algorithm().configName()).isEqualTo("gradient2");
        assertThat(c.slowDown().factor()).isEqualTo(4.0);
        assertThat(c.slowDown().ramp()).isEqualTo(0.5);
        assertThat(c.quotas().orgMonthlyBudgetUsd()).isNull();
    }

    @Test
    void aFamilyDefaultMergesWithTheBuiltInOnesAndEnvironmentVariablesOverrideScalars() throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "limits:\n  defaults:\n    sim-mini:\n      project: {rpm: 60}\n    gpt-x:\n      organization: {tpd: 5}\n");
        SluiceConfig c = ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null),
                Map.of("SLUICE_LIMITS_STORE", "redis", "SLUICE_QUOTAS_ORG_MONTHLY_BUDGET_USD", "12.5"));
        assertThat(c.limits().defaults().get("sim-mini").project().rpm()).isEqualTo(60);
        assertThat(c.limits().defaults().get("sim-mini").project().tpm()).isEqualTo(5_000_000);
        assertThat(c.limits().defaults().get("gpt-x").organization().tpd()).isEqualTo(5);
        assertThat(c.limits().store().configName()).isEqualTo("redis");
        assertThat(c.quotas().orgMonthlyBudgetUsd()).isEqualTo(12.5);
    }

    @Test
    void invalidValuesStopStartUpNamingTheKey() {
        refused("limits:\n  store: etcd\n", "limits.store");
        refused("limits:\n  defaults:\n    sim-mini:\n      project: {rpm: 0}\n", "limits.defaults.sim-mini.project.rpm");
        refused("limits:\n  defaults:\n    sim-mini:\n      project: {rph: 5}\n", "limits.defaults.sim-mini.project.rph");
        refused("limits:\n  store: redis\nredis:\n  url: http://x\n", "redis.url");
        refused("quotas:\n  project_monthly_budget_usd: -5\n", "quotas.project_monthly_budget_usd");
        refused("quotas:\n  ledger_batch_size: 0\n", "quotas.ledger_batch_size");
        refused("quotas:\n  ledger_batch_size: 600\n  ledger_queue_capacity: 500\n", "quotas.ledger_queue_capacity");
        refused("overload:\n  algorithm: aimd\n", "overload.algorithm");
        refused("overload:\n  min_limit: 10\n  max_limit: 5\n", "overload.max_limit");
        refused("overload:\n  queue_timeout_ms: 0\n", "overload.queue_timeout_ms");
        refused("slow_down:\n  factor: 0.5\n", "slow_down.factor");
    }

    @Test
    void idempotencyUsesTheRedisSectionAndARedisUrlOfItsOwnMustEqualIt() throws IOException {
        SluiceConfig c = load("idempotency:\n  backend: redis\nredis:\n  url: redis://127.0.0.1:6379\n");
        assertThat(c.idempotency().redisUrl()).isNull();
        assertThat(c.redis().url()).isEqualTo("redis://127.0.0.1:6379");
        // the legacy key is accepted when it names the same server...
        assertThat(load("idempotency:\n  backend: redis\n  redis_url: redis://r:6379\nredis:\n  url: redis://r:6379\n")
                .idempotency().redisUrl()).isEqualTo("redis://r:6379");
        // ...and refused, naming it, when it would split limits and idempotency over two servers
        assertThatThrownBy(() -> load("idempotency:\n  backend: redis\n  redis_url: redis://other:6379\n"
                + "redis:\n  url: redis://r:6379\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'idempotency.redis_url'").hasMessageContaining("redis.url");
        refused("idempotency:\n  backend: redis\nredis:\n  url: http://x\n", "redis.url");
    }

    @Test
    void limitsAndIdempotencyShareOneRedisConnection() throws Exception {
        try (TcpProxy proxy = new TcpProxy(6379)) {
            String prefix = TrafficHarness.uniquePrefix();
            String yaml = "limits:\n  store: redis\nredis:\n  url: redis://127.0.0.1:" + proxy.port()
                    + "\n  key_prefix: \"" + prefix + "\"\n  pool_size: 1\n"
                    + "idempotency:\n  backend: redis\n  key_prefix: \"" + prefix + "idem:\"\n"
                    + TrafficHarness.ONLY_LIMITS;
            try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
                HttpResponse<String> first = gw.post("/v1/chat/completions", chat("sim-mini", null),
                        "Idempotency-Key", "one-connection");
                HttpResponse<String> replay = gw.post("/v1/chat/completions", chat("sim-mini", null),
                        "Idempotency-Key", "one-connection");
                assertThat(first.statusCode()).isEqualTo(200);
                assertThat(replay.statusCode()).isEqualTo(200);
                assertThat(replay.body()).isEqualTo(first.body()); // replayed from Redis, through the proxy
                // one client with a pool of one: the limit scripts and the idempotency records used one connection
                assertThat(proxy.connections()).isEqualTo(1);
            }
        }
    }

    @Test
    void anUnreachableRedisStopsStartUpNamingRedisUrl() {
        assertThatThrownBy(() -> TestGateway.builder(dir).config("limits:\n  store: redis\nredis:\n  url: redis://127.0.0.1:1\n").start())
                .hasMessageContaining("redis.url").hasMessageContaining("127.0.0.1:1");
    }

    @Test
    void whenRedisGoesAwayRateLimitsFailClosedWith503OrOpenWhenConfigured() throws Exception {
        try (TcpProxy proxy = new TcpProxy(6379)) {
            String yaml = "limits:\n  store: redis\nredis:\n  url: redis://127.0.0.1:" + proxy.port() + "\n  key_prefix: \""
                    + TrafficHarness.uniquePrefix() + "\"\n" + TrafficHarness.ONLY_LIMITS;
            try (TestGateway closed = TestGateway.builder(dir.resolve("closed")).config(yaml).start();
                 TestGateway open = TestGateway.builder(dir.resolve("open")).config(yaml.replace("store: redis\n",
                         "store: redis\n  fail_open: true\n")).start()) {
                assertThat(closed.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
                proxy.stop();
                HttpResponse<String> r = closed.post("/v1/chat/completions", chat("sim-mini", null));
                // With several event loops a request may still reach Redis on the connection the proxy is closing,
                // before the client has seen it close; the next ones must fail closed.
                for (int i = 0; i < 20 && r.statusCode() == 200; i++) {
                    r = closed.post("/v1/chat/completions", chat("sim-mini", null));
                }
                assertError(r, 503, "server_error", "server_overloaded", null, true);
                assertThat(header(r, "retry-after")).isEqualTo("1");
                assertThat(open.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void aRedisThatStopsAnsweringCostsARequestAtMostTheScriptTimeoutNotAHang() throws Exception {
        long ms = refusedAfterRedisGoesSilent("");
        assertThat(ms).isBetween(dev.sluice.gateway.limits.RedisScript.TIMEOUT_MS - 100, 10_000L);
    }

    /**
     * A gateway with limits in Redis (behind a proxy, {@code redisExtra} added to its {@code redis:} block) serves
     * one request; then Redis goes silent: the next request is refused with 503 server_overloaded after the
     * milliseconds returned.
     */
    private long refusedAfterRedisGoesSilent(String redisExtra) throws Exception {
        try (TcpProxy proxy = new TcpProxy(6379)) {
            String yaml = "limits:\n  store: redis\nredis:\n  url: redis://127.0.0.1:" + proxy.port() + "\n  key_prefix: \""
                    + TrafficHarness.uniquePrefix() + "\"\n" + redisExtra + TrafficHarness.ONLY_LIMITS;
            try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
                assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
                proxy.blackhole();
                long start = System.nanoTime();
                HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null));
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertError(r, 503, "server_error", "server_overloaded", null, true);
                return ms;
            }
        }
    }

    /**
     * {@code redis.script_timeout_ms} is the time a script call may go unanswered: with 5000 a request to a silent
     * Redis is refused only after 5 s (the default 2 s failed a loaded machine's 600-request burst in ScaleOutTest).
     * A lower bound only: nothing can answer before the timer, however fast or slow the machine.
     */
    @Test
    void redisScriptTimeoutMsSetsHowLongAScriptCallMayGoUnanswered() throws Exception {
        assertThat(refusedAfterRedisGoesSilent("  script_timeout_ms: 5000\n")).isGreaterThanOrEqualTo(4_900);
        refused("redis:\n  script_timeout_ms: 0\n", "redis.script_timeout_ms");
    }

    /** A loopback TCP forwarder to a real server, which the test can cut off or silence. */
    static final class TcpProxy implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile boolean forwarding = true;

        TcpProxy(int targetPort) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                        sockets.add(client);
                        sockets.add(upstream);
                        pipe(client, upstream);
                        pipe(upstream, client);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        /** Client connections accepted so far. */
        int connections() {
            return sockets.size() / 2;
        }

        private void pipe(Socket from, Socket to) {
            Thread.ofVirtual().start(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    byte[] buf = new byte[8192];
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        if (!forwarding) continue; // silenced: bytes vanish, connections stay open
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // cut off
                } finally {
                    close(from);
                    close(to);
                }
            });
        }

        /** Keeps every connection open but forwards nothing more: a server that stopped answering. */
        void blackhole() {
            forwarding = false;
        }

        void stop() {
            close(server);
            for (Socket s : sockets) close(s);
        }

        private static void close(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already closed
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
