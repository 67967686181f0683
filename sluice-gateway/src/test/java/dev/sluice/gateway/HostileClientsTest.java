package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.sluice.gateway.RawHttp.assertContract;
import static dev.sluice.gateway.RawHttp.exchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 11, the HTTP layer: every answer on both ports is the contract, bodies are read only after the key is
 * checked and within a byte budget, slow and silent connections are timed out, connections are capped per port and
 * per address, and malformed uploads are 400s that leave no file or descriptor behind. All over raw sockets.
 */
class HostileClientsTest {
    static final String KEY = TestGateway.DEMO_KEY;
    static final int WAIT_MS = 10_000;

    @TempDir
    static Path dir;
    /** Production timeouts; small bodies and body budgets. */
    static TestGateway gw;
    /** Short timeouts, the admin port on its own address, a metrics token. */
    static TestGateway fast;
    /** Small connection caps. */
    static TestGateway capped;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir.resolve("gw")).config("""
                max_body_bytes: 100000
                server:
                  max_body_bytes_in_flight: 250000
                  max_body_bytes_in_flight_per_key: 150000
                """).start();
        fast = TestGateway.builder(dir.resolve("fast")).config("""
                admin_host: 127.0.0.2
                server:
                  header_timeout_ms: 700
                  idle_timeout_ms: 700
                  min_body_bytes_per_second: 1000
                  body_rate_grace_ms: 700
                  metrics_token_env: TEST_METRICS_TOKEN
                """).env(Map.of("TEST_METRICS_TOKEN", "metrics-secret")).start();
        capped = TestGateway.builder(dir.resolve("capped")).config("""
                server:
                  max_connections: 12
                  max_connections_per_address: 4
                """).start();
    }

    @AfterAll
    static void stop() {
        for (TestGateway g : new TestGateway[] {gw, fast, capped}) if (g != null) g.close();
    }

    static String get(String target, String... headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + String.join("", headers) + "\r\n";
    }

    /** Requests the HTTP layer itself must refuse, with the answer each gets. */
    static Stream<Arguments> malformed() {
        String big = "a".repeat(9000);
        return Stream.of(
                Arguments.of("headers over 8 KB", get("/v1/models", "X-Big: " + big + "\r\n"), 431,
                        "request_header_fields_too_large"),
                Arguments.of("URL over 4 KB", get("/v1/models/" + "m".repeat(5000)), 414, "uri_too_long"),
                Arguments.of("a space in a header name", get("/v1/models", "Bad Header: y\r\n"), 400,
                        "malformed_request"),
                Arguments.of("a NUL in a header", get("/v1/models", "X-A: a\0b\r\n"), 400, "malformed_request"),
                Arguments.of("conflicting Content-Length", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "malformed_request"),
                Arguments.of("protocol version HTTP/2.0", "GET /v1/models HTTP/2.0\r\nHost: x\r\n\r\n", 400,
                        "malformed_request"),
                Arguments.of("protocol version FOO/1.1", "GET /v1/models FOO/1.1\r\nHost: x\r\n\r\n", 400,
                        "malformed_request"),
                Arguments.of("GET *", get("*"), 400, "malformed_request"),
                Arguments.of("an undecodable path", get("/v1/models/%"), 400, "malformed_request"),
                Arguments.of("a bad escape in the query", get("/v1/files?after=%zz"), 400, "malformed_request"),
                Arguments.of("Expect other than 100-continue", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Expect: 200-ok\r\nContent-Length: 2\r\n\r\n{}", 417, "expectation_failed"),
                Arguments.of("an invalid chunk size", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Authorization: Bearer " + KEY + "\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\nZZZ\r\nab\r\n0\r\n\r\n", 400, "malformed_request"));
    }

    @ParameterizedTest(name = "{0} on the public port")
    @MethodSource("malformed")
    void malformedRequestsGetTheContractOnThePublicPort(String what, String request, int status, String code)
            throws IOException {
        JsonNode err = assertContract(exchange(gw.gateway.port(), request, WAIT_MS), status, code, false);
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
    }

    @ParameterizedTest(name = "{0} on the admin port")
    @MethodSource("malformed")
    void malformedRequestsGetTheContractOnTheAdminPort(String what, String request, int status, String code)
            throws IOException {
        // the admin port reads a body only after its own token: the same requests, aimed at an admin route
        String admin = request.replace("Bearer " + KEY, "Bearer " + gw.gateway.adminToken())
                .replace("/v1/chat/completions", "/v1/organizations");
        assertContract(exchange(gw.gateway.adminPort(), admin, WAIT_MS), status, code, false);
    }

    @Test
    void theAccessLogRecordsTheStatusSentForAnInvalidChunk() throws IOException {
        try (CapturedLogs logs = new CapturedLogs()) {
            RawHttp.Response r = exchange(gw.gateway.port(), "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + KEY + "\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", WAIT_MS);
            assertContract(r, 400, "malformed_request", false);
            String id = r.header("x-request-id");
            waitFor(() -> logs.accessLines().stream().anyMatch(l -> l.contains(id)));
            assertThat(logs.accessLines()).filteredOn(l -> l.contains(id)).singleElement().asString()
                    .contains("\"status\":400");
        }
    }

    @Test
    void anUnauthenticatedBodyIsRefusedBeforeItIsRead() throws IOException {
        // 10 MB declared, 1 KB sent: the answer comes without the gateway waiting for (or buffering) the rest
        try (Socket s = RawHttp.connect(null, gw.gateway.port(), WAIT_MS)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 10000000\r\n\r\n" + "x".repeat(1024)).getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response r = RawHttp.read(s.getInputStream());
            assertContract(r, 401, "missing_api_key", false);
            assertThat(r.header("connection")).isEqualTo("close");
        }
    }

    @Test
    void anUnauthenticatedExpectContinueNeverGetsTheGoAhead() throws IOException {
        try (Socket s = RawHttp.connect(null, gw.gateway.port(), WAIT_MS)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-nope"
                    + "\r\nExpect: 100-continue\r\nContent-Length: 50000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertContract(RawHttp.read(s.getInputStream()), 401, "invalid_api_key", false);
        }
    }

    @Test
    void anAuthenticatedExpectContinueGetsTheGoAheadAndAnAnswer() throws IOException {
        String body = TestGateway.chat("sim-mini", null);
        try (Socket s = RawHttp.connect(null, gw.gateway.port(), WAIT_MS)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + body.length()
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(100);
            s.getOutputStream().write(body.getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
        }
    }

    @Test
    void bodiesInFlightAreBoundedPerKeyAndInAll() throws IOException {
        String other = OtherProject.key(gw);
        List<Socket> held = new ArrayList<>();
        try {
            held.add(startBody(KEY, 100_000));
            waitFor(() -> gauge(gw, "sluice_body_bytes_in_flight") == 100_000); // connections race: order them
            // the same key again: 200,000 bytes in flight for one key is over its 150,000
            try (Socket s = startBody(KEY, 100_000)) {
                JsonNode err = assertContract(RawHttp.read(s.getInputStream()), 429, "too_many_body_bytes", true);
                assertThat(err.get("type").asText()).isEqualTo("requests");
            }
            held.add(startBody(other, 100_000)); // another key: 200,000 in all, within 250,000
            waitFor(() -> gauge(gw, "sluice_body_bytes_in_flight") == 200_000);
            try (Socket s = startBody(other, 60_000)) {
                RawHttp.Response r = RawHttp.read(s.getInputStream());
                assertContract(r, 503, "server_overloaded", true);
                assertThat(r.header("retry-after")).isEqualTo("1");
                assertThat(r.header("retry-after-ms")).isEqualTo("1000");
            }
        } finally {
            for (Socket s : held) s.close();
        }
        // the reservations of the abandoned bodies come back: a full-size body is accepted again
        waitFor(() -> gw.post("/v1/chat/completions", TestGateway.chat("sim-mini", null)).statusCode() == 200);
    }

    private static Socket startBody(String key, int length) throws IOException {
        Socket s = RawHttp.connect(null, gw.gateway.port(), WAIT_MS);
        s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n{\"model\":")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    static Stream<Arguments> badUploads() {
        String head = "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n";
        String file = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n{\"a\":1}\n\r\n";
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            fields.append("--b\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"\r\n\r\nv\r\n");
        }
        return Stream.of(
                Arguments.of("an empty boundary", "multipart/form-data; boundary=", head + file + "--b--\r\n"),
                Arguments.of("a field over 8 KB", "multipart/form-data; boundary=b",
                        "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + "p".repeat(9000) + "\r\n"
                                + file + "--b--\r\n"),
                Arguments.of("more than 256 fields", "multipart/form-data; boundary=b", fields + file + "--b--\r\n"),
                Arguments.of("base64 transfer encoding", "multipart/form-data; boundary=b", head
                        + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\neyJhIjoxfQo=\r\n--b--\r\n"),
                Arguments.of("a 3000-character filename", "multipart/form-data; boundary=b", head
                        + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + "n".repeat(2994)
                        + ".jsonl\"\r\n\r\n{\"a\":1}\n\r\n--b--\r\n"),
                Arguments.of("a junk body", "multipart/form-data; boundary=b", "this is not a form at all"),
                Arguments.of("an unterminated body", "multipart/form-data; boundary=b", head + file.substring(0,
                        file.length() - 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badUploads")
    void malformedUploadsAre400sThatLeaveNoFileOrDescriptor(String what, String type, String body) throws IOException {
        Path tmp = dir.resolve("gw").resolve("data").resolve("files").resolve("tmp");
        int before = RawHttp.openDescriptors();
        for (int i = 0; i < 20; i++) {
            RawHttp.Response r = exchange(gw.gateway.port(), "POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + "Bearer " + KEY + "\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length() + "\r\n\r\n"
                    + body, WAIT_MS);
            JsonNode err = assertContract(r, 400, null, false);
            assertThat(err.get("param").asText()).as(r.body()).isIn("file", "purpose");
        }
        waitFor(() -> partFiles(tmp) == 0 && RawHttp.openDescriptors() <= before + 2);
        assertThat(partFiles(tmp)).isZero();
    }

    private static long partFiles(Path tmp) {
        try (var s = Files.list(tmp)) {
            return s.count();
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void headersThatDoNotCompleteInTimeGet408OnBothPorts() throws IOException {
        for (String host : new String[] {"127.0.0.1", "127.0.0.2"}) {
            int port = host.equals("127.0.0.1") ? fast.gateway.port() : fast.gateway.adminPort();
            try (Socket s = connectTo(host, port)) {
                s.getOutputStream().write("GET /v1/models HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                RawHttp.Response r = RawHttp.read(s.getInputStream());
                JsonNode err = assertContract(r, 408, "request_timeout", true);
                assertThat(err.get("message").asText()).contains("headers");
                assertThat(s.getInputStream().read()).as("closed after the answer").isEqualTo(-1);
            }
        }
    }

    @Test
    void aSilentConnectionIsClosed() throws IOException {
        try (Socket s = RawHttp.connect(null, fast.gateway.port(), WAIT_MS)) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterItsAnswer() throws IOException {
        try (Socket s = RawHttp.connect(null, fast.gateway.port(), WAIT_MS)) {
            s.getOutputStream().write(get("/v1/models", "Authorization: Bearer " + KEY + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertThat(RawHttp.read(in).status()).isEqualTo(200);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void aBodyArrivingTooSlowlyGets408() throws IOException {
        try (Socket s = RawHttp.connect(null, fast.gateway.port(), WAIT_MS)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"mo")
                    .getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response r = RawHttp.read(s.getInputStream());
            JsonNode err = assertContract(r, 408, "request_timeout", true);
            assertThat(err.get("message").asText()).contains("body");
        }
    }

    @Test
    void theAdminPortListensOnAdminHostOnly() throws IOException {
        assertThatThrownBy(() -> RawHttp.connect(null, fast.gateway.adminPort(), WAIT_MS).close())
                .isInstanceOf(ConnectException.class);
        try (Socket s = connectTo("127.0.0.2", fast.gateway.adminPort())) {
            s.getOutputStream().write(get("/health/live").getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
        }
    }

    @Test
    void metricsNeedTheirTokenWhenOneIsConfiguredAndHealthStaysOpen() throws IOException {
        int port = fast.gateway.adminPort();
        assertContract(adminGet(port, "/metrics"), 401, "missing_api_key", false);
        assertContract(adminGet(port, "/metrics", "Authorization: Bearer wrong\r\n"), 401, "invalid_api_key", false);
        RawHttp.Response ok = adminGet(port, "/metrics", "Authorization: Bearer metrics-secret\r\n");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).contains("sluice_open_connections");
        assertThat(adminGet(port, "/health/live").status()).isEqualTo(200);
        assertThat(adminGet(port, "/health/ready").status()).isEqualTo(200);
    }

    private static RawHttp.Response adminGet(int port, String path, String... headers) throws IOException {
        try (Socket s = connectTo("127.0.0.2", port)) {
            s.getOutputStream().write(get(path, headers).getBytes(StandardCharsets.US_ASCII));
            return RawHttp.read(s.getInputStream());
        }
    }

    private static Socket connectTo(String host, int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(WAIT_MS);
        s.connect(new java.net.InetSocketAddress(host, port), WAIT_MS);
        return s;
    }

    @Test
    void connectionsAreCappedPerAddressAndPerPortWhileOthersAreServed() throws IOException {
        int port = capped.gateway.port();
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) held.add(servedAndKept("127.0.0.5", port));
            try (Socket fifth = RawHttp.connect("127.0.0.5", port, WAIT_MS)) {
                RawHttp.Response r = RawHttp.read(fifth.getInputStream());
                assertContract(r, 429, "too_many_connections", true);
                assertThat(r.header("retry-after")).isEqualTo("1");
            }
            assertThat(servedFrom("127.0.0.6", port)).isEqualTo(200);
            waitFor(() -> gauge(capped, "sluice_open_connections{port=\"public\"}") == 4);
            for (String from : new String[] {"127.0.0.6", "127.0.0.7"}) {
                for (int i = 0; i < 4; i++) held.add(servedAndKept(from, port));
            }
            // 12 open: the port is full for every address
            try (Socket over = RawHttp.connect("127.0.0.8", port, WAIT_MS)) {
                assertContract(RawHttp.read(over.getInputStream()), 503, "server_overloaded", true);
            }
        } finally {
            for (Socket s : held) s.close();
        }
        waitFor(() -> servedFromQuietly("127.0.0.5", port) == 200);
    }

    /** A keep-alive connection that has been served once (so the gateway has surely counted it), left open. */
    private static Socket servedAndKept(String from, int port) throws IOException {
        Socket s = RawHttp.connect(from, port, WAIT_MS);
        s.getOutputStream().write(get("/v1/models", "Authorization: Bearer " + KEY + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.read(s.getInputStream()).status()).isEqualTo(200);
        return s;
    }

    /** A gauge of the gateway's /metrics, by its name and labels as printed. */
    static double gauge(TestGateway g, String series) {
        for (String line : g.admin("GET", "/metrics", null).body().split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        }
        return Double.NaN;
    }

    private static int servedFrom(String from, int port) throws IOException {
        try (Socket s = RawHttp.connect(from, port, WAIT_MS)) {
            s.getOutputStream().write(get("/v1/models", "Authorization: Bearer " + KEY + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return RawHttp.read(s.getInputStream()).status();
        }
    }

    private static int servedFromQuietly(String from, int port) {
        try {
            return servedFrom(from, port);
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void clientMistakesAreOneRateLimitedWarnLineWithoutAStackAndAMetric() throws IOException {
        try (CapturedLogs logs = new CapturedLogs()) {
            for (int i = 0; i < 200; i++) {
                assertContract(exchange(gw.gateway.port(), get("/v1/models/%"), WAIT_MS), 400, "malformed_request",
                        false);
            }
            List<String> mistakes = logs.lines().stream().filter(l -> l.contains("\"logger_name\":\"sluice.client\""))
                    .toList();
            assertThat(mistakes).isNotEmpty().hasSizeLessThan(200)
                    .allSatisfy(l -> assertThat(l).contains("\"level\":\"WARN\"").doesNotContain("stack_trace"));
            assertThat(logs.lines()).noneMatch(l -> l.contains("\"level\":\"ERROR\""));
        }
        assertThat(gw.admin("GET", "/metrics", null).body())
                .containsPattern("sluice_client_mistakes_total\\{kind=\"malformed_request\"[^}]*} [0-9.]+");
    }

    /** "What held" in issue 11, kept in the suite: hostile JSON bodies are 400s in the contract, never a 5xx. */
    static Stream<Arguments> hostileJson() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        StringBuilder many = new StringBuilder("{\"model\":\"sim-mini\",\"messages\":[");
        for (int i = 0; i < 300_000; i++) many.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"a\"}");
        many.append("]}");
        return Stream.of(
                Arguments.of("100,000-deep JSON", "[".repeat(100_000) + "]".repeat(100_000)),
                Arguments.of("NaN", "{\"model\":\"sim-mini\"," + messages + ",\"temperature\":NaN}"),
                Arguments.of("a huge number", "{\"model\":\"sim-mini\"," + messages + ",\"temperature\":1e999999}"),
                Arguments.of("a 9.5 MB string", "{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"" + "a ".repeat(4_750_000) + "\"}]}"),
                Arguments.of("300,000 messages", many.toString()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileJson")
    void hostileJsonBodiesAre400s(String what, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket s = RawHttp.connect(null, capped.gateway.port(), 60_000)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(bytes);
            assertContract(RawHttp.read(s.getInputStream()), 400, null, false);
        }
    }

    @Test
    void adminRoutesAreUnreachableFromThePublicPort() throws IOException {
        assertContract(exchange(gw.gateway.port(), get("/v1/organizations", "Authorization: Bearer "
                + gw.gateway.adminToken() + "\r\n"), WAIT_MS), 404, "unknown_url", false);
        assertContract(exchange(gw.gateway.port(), get("/metrics"), WAIT_MS), 404, "unknown_url", false);
    }

    /** Polls a condition that the gateway reaches asynchronously (a closed socket, a released reservation). */
    static void waitFor(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not reached within 15 s");
            Thread.onSpinWait();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
