package dev.sluice.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11's resource exhaustion, against a gateway in a child JVM ({@code -Xmx384m}) so its memory and
 * descriptors are its own: 400 unfinished 10 MB bodies without a key, then 20,000 idle sockets from two attacker
 * processes. A normal caller (from another loopback address) is served throughout and after, and the gateway's
 * resident memory stays under {@link #RSS_BOUND_MB} (the bound docs/operations-security.md documents).
 */
class ResourceExhaustionTest {
    static final long RSS_BOUND_MB = 1024;
    static final String KEY = TestGateway.DEMO_KEY;

    @TempDir
    Path dir;

    @Test
    void unfinishedBodiesAndTwentyThousandIdleSocketsDoNotStopANormalCaller() throws Exception {
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, "port: 0\nadmin_port: 0\ndata_dir: " + dir.resolve("data") + "\n"
                + "simulator:\n  faults: false\n  tokens_per_second: 0\n");
        try (BatchCrashTest.Child gateway = BatchCrashTest.Child.start(config, dir.resolve("child.log"))) {
            int port = Integer.parseInt(gateway.base().substring(gateway.base().lastIndexOf(':') + 1));
            long pid = gateway.process().pid();
            assertThat(normalCall(port)).isEqualTo(200);

            // 400 connections declare 10 MB bodies without a key and send 64 KB of them
            List<Socket> bodies = new ArrayList<>();
            byte[] head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 10485760\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] part = new byte[64 * 1024];
            java.util.Arrays.fill(part, (byte) 'x');
            int unauthorized = 0;
            try {
                for (int i = 0; i < 400; i++) {
                    Socket s = RawHttp.connect("127.0.0.5", port, 10_000);
                    bodies.add(s);
                    s.getOutputStream().write(head);
                    try {
                        s.getOutputStream().write(part);
                    } catch (IOException e) {
                        // already answered and closed: fine
                    }
                    if (i % 100 == 99) assertThat(normalCall(port)).isEqualTo(200);
                }
                for (Socket s : bodies) {
                    RawHttp.Response r = RawHttp.read(s.getInputStream());
                    if (r != null && r.status() == 401) unauthorized++;
                }
            } finally {
                for (Socket s : bodies) s.close();
            }
            assertThat(unauthorized).as("unfinished bodies answered 401 without being read").isEqualTo(400);
            assertThat(normalCall(port)).isEqualTo(200);
            long rssAfterBodies = rssMb(pid);

            // 20,000 idle sockets from two attacker processes; the per-address cap keeps the gateway's own bounded
            List<Process> attackers = new ArrayList<>();
            try {
                for (String from : new String[] {"127.0.0.3", "127.0.0.4"}) {
                    attackers.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "-Xmx64m", "-cp", System.getProperty("java.class.path"), IdleSockets.class.getName(), from,
                            String.valueOf(port), "10000").redirectErrorStream(true).start());
                }
                int opened = 0;
                for (Process a : attackers) {
                    BufferedReader out = new BufferedReader(new InputStreamReader(a.getInputStream(),
                            StandardCharsets.UTF_8));
                    String line;
                    while ((line = out.readLine()) != null && !line.startsWith("idle-sockets")) {
                        assertThat(normalCall(port)).isEqualTo(200); // served while the sockets pile up
                    }
                    assertThat(line).as("attacker report").isNotNull();
                    opened += Integer.parseInt(line.split(" ")[2]);
                }
                assertThat(opened).as("idle sockets held by the attackers").isEqualTo(20_000);
                for (int i = 0; i < 20; i++) assertThat(normalCall(port)).isEqualTo(200);
                long rss = rssMb(pid);
                assertThat(rss).as("gateway RSS in MB with 20,000 idle sockets (after bodies: %d)", rssAfterBodies)
                        .isLessThan(RSS_BOUND_MB);
                System.out.println("resource-exhaustion rss_mb after_bodies=" + rssAfterBodies + " idle_sockets=" + rss);
            } finally {
                for (Process a : attackers) {
                    a.getOutputStream().close();
                    if (!a.waitFor(30, TimeUnit.SECONDS)) a.destroyForcibly();
                }
            }
            assertThat(normalCall(port)).isEqualTo(200);
            assertThat(gateway.process().isAlive()).isTrue();
        }
    }

    /** A chat completion from 127.0.0.2 (an address no attacker uses), over a new connection. */
    private static int normalCall(int port) throws IOException {
        String body = TestGateway.chat("sim-mini", "\"max_tokens\":1");
        try (Socket s = RawHttp.connect("127.0.0.2", port, 30_000)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            return RawHttp.read(s.getInputStream()).status();
        }
    }

    /** The resident set of process {@code pid} in MB (Linux). */
    static long rssMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
