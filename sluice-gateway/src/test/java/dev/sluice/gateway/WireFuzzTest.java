package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded generator of hostile HTTP/1.1 requests — broken request lines and versions, bad targets and escapes,
 * junk and oversized headers, conflicting lengths, bad chunks, odd Expect values, malformed JSON and multipart
 * bodies, with and without a key — sent over raw sockets to both ports. Every answer must be the contract (an
 * HTTP/1.1 status, JSON error body with its four fields, {@code x-request-id}, {@code x-should-retry}); no client
 * mistake may get a 5xx; no descriptor or temporary file may be left behind and the heap stays bounded.
 * {@code -Dsluice.fuzz.requests=N} changes the count (default 20,000) and {@code -Dsluice.fuzz.seed=S} the seed.
 */
class WireFuzzTest {
    static final String KEY = TestGateway.DEMO_KEY;
    static final int REQUESTS = Integer.getInteger("sluice.fuzz.requests", 20_000);
    static final long SEED = Long.getLong("sluice.fuzz.seed", 11L);

    @TempDir
    Path dir;

    @Test
    void twentyThousandHostileRequestsAllGetTheContractAndLeakNothing() throws Exception {
        try (TestGateway gw = TestGateway.builder(dir).config("""
                simulator:
                  faults: false
                  tokens_per_second: 0
                max_body_bytes: 200000
                server:
                  header_timeout_ms: 2000
                  body_rate_grace_ms: 2000
                """).start()) {
            // warm up (class loading, pools) before counting descriptors
            for (int i = 0; i < 50; i++) send(gw.gateway.port(), generate(new Random(i), gw));
            int fdsBefore = RawHttp.openDescriptors();
            Map<String, Integer> kindsBefore = RawHttp.descriptorKinds();
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger serverErrors = new AtomicInteger();
            List<String> outside = Collections.synchronizedList(new ArrayList<>());
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int lane = t;
                work.add(pool.submit(() -> {
                    Random rnd = new Random(SEED * 31 + lane);
                    for (int i = lane; i < REQUESTS; i += threads) {
                        byte[] req = generate(rnd, gw);
                        int port = rnd.nextInt(8) == 0 ? gw.gateway.adminPort() : gw.gateway.port();
                        String verdict;
                        try {
                            verdict = judge(send(port, req));
                        } catch (IOException e) {
                            verdict = "I/O: " + e;
                        }
                        if (verdict == null) {
                            answered.incrementAndGet();
                        } else {
                            if (verdict.startsWith("5xx")) serverErrors.incrementAndGet();
                            if (outside.size() < 20) {
                                outside.add(verdict + " <- " + printable(req));
                            } else {
                                outside.add("…");
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) f.get();
            pool.shutdown();
            assertThat(outside).as("answers outside the contract").isEmpty();
            assertThat(serverErrors.get()).isZero();
            assertThat(answered.get()).isEqualTo(REQUESTS);
            // every connection to the two ports is closed by the gateway, no descriptor points at an upload, and
            // what else grew is the upstream connection pool and the database pool (at most a few each)
            int[] ports = {gw.gateway.port(), gw.gateway.adminPort()};
            try {
                HostileClientsTest.waitFor(() -> RawHttp.serverConnections(ports) == 0);
            } catch (AssertionError e) {
                List<String> open = RawHttp.connectionLines(ports);
                throw new AssertionError(open.size() + " connections still open: "
                        + open.subList(0, Math.min(open.size(), 10)));
            }
            try {
                HostileClientsTest.waitFor(() -> RawHttp.openDescriptors() <= fdsBefore + 16);
            } catch (AssertionError e) {
                Map<String, Integer> after = RawHttp.descriptorKinds();
                Map<String, String> changed = new java.util.TreeMap<>();
                after.forEach((k, n) -> {
                    if (!n.equals(kindsBefore.get(k))) changed.put(k, kindsBefore.get(k) + " -> " + n);
                });
                throw new AssertionError("descriptors left open, by kind: " + changed);
            }
            assertThat(RawHttp.descriptorKinds().keySet()).noneMatch(k -> k.contains("/files"));
            Path tmp = dir.resolve("data").resolve("files").resolve("tmp");
            try (var parts = Files.list(tmp)) {
                assertThat(parts.toList()).as("temporary upload files left").isEmpty();
            }
            System.gc();
            Runtime rt = Runtime.getRuntime();
            assertThat(rt.totalMemory() - rt.freeMemory()).as("heap after the run").isLessThan(512L << 20);
        }
    }

    /** Null when {@code r} is the contract (and no 5xx), else what is wrong with it. */
    static String judge(RawHttp.Response r) {
        if (r == null) return "no answer";
        // HTTP/1.0 requests may be answered in HTTP/1.0; anything else (a bogus version) in HTTP/1.1
        if (!r.statusLine().startsWith("HTTP/1.1 ") && !r.statusLine().startsWith("HTTP/1.0 ")) {
            return "status line " + r.statusLine();
        }
        if (r.header("x-request-id") == null || !r.header("x-request-id").matches("req_[0-9a-f]{32}")) {
            return "no x-request-id in " + r.status();
        }
        if (r.status() >= 500) return "5xx " + r.status() + " " + r.body();
        if (r.status() < 400) return null;
        if (!"true".equals(r.header("x-should-retry")) && !"false".equals(r.header("x-should-retry"))) {
            return "no x-should-retry in " + r.status();
        }
        String type = r.header("content-type");
        if (type == null || !type.startsWith("application/json")) return "content-type " + type + " in " + r.status();
        JsonNode err = RawHttp.errorOf(r);
        if (err == null || !err.has("message") || !err.has("type") || !err.has("param") || !err.has("code")) {
            return "body " + r.body();
        }
        return null;
    }

    /** Sends one request (the connection closes after it) and reads its answer, skipping a 100 Continue. */
    static RawHttp.Response send(int port, byte[] request) throws IOException {
        try (Socket s = RawHttp.connect(null, port, 15_000)) {
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // answered and closed before the whole request was read: the answer is what counts
            }
            InputStream in = s.getInputStream();
            RawHttp.Response r = RawHttp.read(in);
            while (r != null && r.status() == 100) r = RawHttp.read(in);
            return r;
        }
    }

    private static final String[] ROUTES = {"/v1/chat/completions", "/v1/responses", "/v1/embeddings",
            "/v1/images/generations", "/v1/models", "/v1/models/sim-mini", "/v1/files", "/v1/files/file-x",
            "/v1/files/file-x/content", "/v1/batches", "/v1/batches/batch_x", "/v1/batches/batch_x/cancel",
            "/health/live", "/metrics", "/v1/organizations", "/", "/v1/../etc/passwd"};
    private static final String[] METHODS = {"GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
            "TRACE", "CONNECT", "BREW", "get", "P\u00d8ST", ""};
    private static final String[] VERSIONS = {"HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0",
            "HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "FOO/1.1", "HTTP/1", "http/1.1", "HTTP/1.1 extra", ""};
    private static final String[] EXPECTS = {"100-continue", "100-Continue", "200-ok", "", "foo=bar", "100-continue, x"};
    private static final String[] BODIES = {
            "{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}",
            "{\"model\":\"sim-embed\",\"input\":\"hi\"}", "{", "[]", "null", "{\"model\":NaN}",
            "{\"model\":\"sim-mini\",\"messages\":[],\"temperature\":1e999}", "\u0000\u0001\u0002",
            "{\"model\":\"sim-mini\",\"messages\":" + "[".repeat(3000) + "]".repeat(3000) + "}",
            "{\"input_file_id\":\"file-x\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}",
            "{\"model\":\"" + "x".repeat(20000) + "\"}"};

    /** One hostile request; mostly well-framed so the gateway can tell what was meant. */
    static byte[] generate(Random rnd, TestGateway gw) {
        String method = pick(rnd, METHODS);
        String target = target(rnd);
        String version = pick(rnd, VERSIONS);
        StringBuilder h = new StringBuilder();
        h.append(method).append(' ').append(target).append(' ').append(version).append("\r\n");
        if (rnd.nextInt(10) > 0) h.append("Host: localhost\r\n");
        int auth = rnd.nextInt(6);
        if (auth <= 2) h.append("Authorization: Bearer ").append(KEY).append("\r\n");
        else if (auth == 3) h.append("Authorization: Bearer sk-wrong-").append(rnd.nextInt(1000)).append("\r\n");
        else if (auth == 4) h.append("Authorization: Bearer ").append(gw.gateway.adminToken()).append("\r\n");
        h.append("Connection: close\r\n");
        byte[] body;
        String type;
        if (rnd.nextInt(4) == 0) {
            String[] form = multipart(rnd);
            type = form[0];
            body = form[1].getBytes(StandardCharsets.ISO_8859_1);
        } else {
            type = pick(rnd, new String[] {"application/json", "application/json; charset=utf-8", "text/plain",
                    "application/x-www-form-urlencoded", ""});
            body = pick(rnd, BODIES).getBytes(StandardCharsets.UTF_8);
            if (rnd.nextInt(5) == 0) body = randomBytes(rnd, rnd.nextInt(300));
        }
        if (!type.isEmpty()) h.append("Content-Type: ").append(type).append("\r\n");
        if (rnd.nextInt(12) == 0) h.append("Expect: ").append(pick(rnd, EXPECTS)).append("\r\n");
        junkHeaders(rnd, h);
        int framing = rnd.nextInt(10);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (framing <= 5) {
            h.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(body);
        } else if (framing <= 7) {
            h.append("Transfer-Encoding: chunked\r\n\r\n");
            out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
            boolean bad = framing == 7;
            int at = 0;
            while (at < body.length) {
                int n = Math.min(body.length - at, 1 + rnd.nextInt(400));
                String size = bad && rnd.nextBoolean() ? pick(rnd, new String[] {"zz", "-1", "", "1;x=\u0000",
                        "FFFFFFFFFFFFFFFFFF", " 3"}) : Integer.toHexString(n);
                out.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body, at, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                at += n;
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else if (framing == 8) {
            h.append("Content-Length: ").append(body.length).append("\r\nContent-Length: ").append(body.length + 1)
                    .append("\r\n\r\n");
            out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(body);
        } else {
            h.append("\r\n"); // no body at all
            out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    private static String target(Random rnd) {
        String t = pick(rnd, ROUTES);
        return switch (rnd.nextInt(14)) {
            case 0 -> t + "/%";
            case 1 -> t + "?limit=%zz&after=" + "%41".repeat(rnd.nextInt(5));
            case 2 -> "*";
            case 3 -> "http://localhost" + t;
            case 4 -> t + "/" + "a".repeat(rnd.nextInt(6000));
            case 5 -> t + "\u00e9\u00ff";
            case 6 -> "";
            case 7 -> t + "?limit=" + rnd.nextInt() + "&order=" + rnd.nextInt(3);
            case 8 -> t.replace('/', '\\');
            default -> t;
        };
    }

    private static void junkHeaders(Random rnd, StringBuilder h) {
        int n = rnd.nextInt(8) == 0 ? rnd.nextInt(6) : 0;
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(9)) {
                case 0 -> h.append("X-Big: ").append("b".repeat(4000 + rnd.nextInt(8000))).append("\r\n");
                case 1 -> h.append("Bad Name: x\r\n");
                case 2 -> h.append("X-Nul: a\u0000b\r\n");
                case 3 -> h.append("NoColonHere\r\n");
                case 4 -> h.append(": empty-name\r\n");
                case 5 -> h.append("X-Folded: a\r\n  b\r\n");
                case 6 -> h.append("Transfer-Encoding: gzip, chunked\r\n");
                case 7 -> h.append("X-Forwarded-For: 1.2.3.4, ").append(rnd.nextInt()).append("\r\n");
                default -> h.append("X-").append(rnd.nextInt(100)).append(": ")
                        .append(new String(randomBytes(rnd, 20), StandardCharsets.ISO_8859_1)
                                .replace("\r", "").replace("\n", "")).append("\r\n");
            }
        }
    }

    /** {content-type, body} of a (mostly malformed) multipart upload. */
    private static String[] multipart(Random rnd) {
        String b = pick(rnd, new String[] {"b", "", "\"q\"", "x".repeat(80), "a b", "b; boundary=c"});
        String type = "multipart/form-data; boundary=" + b;
        String d = "--" + (b.startsWith("\"") ? "q" : b);
        String purpose = d + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
                + (rnd.nextInt(5) == 0 ? "p".repeat(9000) : "batch") + "\r\n";
        String fileName = rnd.nextInt(5) == 0 ? "n".repeat(3000) + ".jsonl" : "in.jsonl";
        String file = d + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n"
                + (rnd.nextInt(5) == 0 ? "Content-Transfer-Encoding: base64\r\n" : "")
                + "Content-Type: application/jsonl\r\n\r\n"
                + "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n\r\n";
        StringBuilder many = new StringBuilder();
        if (rnd.nextInt(6) == 0) {
            for (int i = 0; i < 300; i++) many.append(d).append("\r\nContent-Disposition: form-data; name=\"f")
                    .append(i).append("\"\r\n\r\nv\r\n");
        }
        String body = switch (rnd.nextInt(5)) {
            case 0 -> "junk junk junk";
            case 1 -> purpose + file; // unterminated
            default -> many + purpose + file + d + "--\r\n";
        };
        return new String[] {type, body};
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static <T> T pick(Random rnd, T[] from) {
        return from[rnd.nextInt(from.length)];
    }

    private static String printable(byte[] req) {
        String s = new String(req, 0, Math.min(req.length, 300), StandardCharsets.ISO_8859_1);
        return s.replaceAll("[^\\x20-\\x7e]", "·");
    }
}
