package dev.sluice.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scripted upstream on a loopback port (the JDK's HTTP server, one virtual thread per exchange) that counts the
 * requests it receives. The script decides each answer: a status with a body and headers, an SSE text, or a hang.
 */
final class LoopbackUpstream implements AutoCloseable {

    /** Answers one upstream request; {@code n} is its 1-based number. */
    interface Script {
        void answer(HttpExchange ex, long n) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong calls = new AtomicLong();
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    LoopbackUpstream(Script script) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", ex -> {
            long n = calls.incrementAndGet();
            try (ex) {
                ex.getRequestBody().readAllBytes();
                try {
                    script.answer(ex, n);
                } catch (Hang hang) {
                    closed.await(); // inside the try: the exchange stays open, nothing is sent
                }
            } catch (IOException gone) {
                // the gateway reset the request (timeout, caller left): nothing to answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    /** Always this status with an OpenAI-shaped body and these headers. */
    static Script status(int status, Map<String, String> headers) {
        return (ex, n) -> send(ex, status, "application/json", "{\"error\":{\"message\":\"upstream says " + status
                + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}", headers);
    }

    /** Never answers: holds every request until the server closes. */
    static Script hang() {
        return (ex, n) -> {
            throw new Hang();
        };
    }

    /** Thrown by a script to hold its request open until {@link #close()}. */
    static final class Hang extends RuntimeException {
        Hang() {
            super(null, null, false, false);
        }
    }

    /** A 200 event stream with exactly this text. */
    static Script sse(String text) {
        return (ex, n) -> send(ex, 200, "text/event-stream", text, Map.of());
    }

    static void send(HttpExchange ex, int status, String type, String body, Map<String, String> headers)
            throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", type);
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    long calls() {
        return calls.get();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
