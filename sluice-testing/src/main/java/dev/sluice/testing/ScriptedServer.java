package dev.sluice.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.protocol.RequestIds;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real HTTP server on loopback port 0 that answers with scripted replies (in order, or from a routing function)
 * and records every request. Each answer carries a fresh {@code x-request-id} unless the reply sets one; the ids
 * served are recorded too. Replies can stream SSE events, hold the stream open until the client goes away, reset the
 * connection, or hang without a byte. The test support of every module (client, gateway, CLI) uses this one server.
 */
public final class ScriptedServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-server");
        t.setDaemon(false);
        return t;
    });
    private final ArrayDeque<Reply> queue = new ArrayDeque<>();
    private volatile Function<Recorded, Reply> router;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<String> servedIds = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CompletableFuture<Boolean> clientGone = new CompletableFuture<>();

    private ScriptedServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static ScriptedServer start() {
        try {
            return new ScriptedServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() {
        return origin() + "/v1";
    }

    /** {@code http://127.0.0.1:<port>}, for servers whose paths do not start with {@code /v1}. */
    public String origin() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public ScriptedServer enqueue(Reply... replies) {
        synchronized (queue) {
            Collections.addAll(queue, replies);
        }
        return this;
    }

    public ScriptedServer route(Function<Recorded, Reply> router) {
        this.router = router;
        return this;
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public List<String> servedRequestIds() {
        return List.copyOf(servedIds);
    }

    /** Lets a held stream continue; it then writes until the client's disconnect makes a write fail. */
    public void release() {
        release.countDown();
    }

    /** Completes true once a held stream's write failed because the client had closed the connection. */
    public CompletableFuture<Boolean> clientGone() {
        return clientGone;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            Recorded rec = new Recorded(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                    ex.getRequestURI().getQuery(), headers, body);
            requests.add(rec);
            Reply reply;
            synchronized (queue) {
                reply = queue.poll();
            }
            if (reply == null && router != null) reply = router.apply(rec);
            if (reply != null && reply.end() == End.RESET) return; // closes the connection with no answer
            if (reply != null && reply.end() == End.HANG) {
                hang();
                return;
            }
            if (reply == null) reply = Reply.json(500, "{\"error\":{\"message\":\"no reply scripted\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
            String id = reply.headers().getOrDefault("x-request-id", RequestIds.next());
            if (!id.isEmpty()) { // empty: the reply carries no x-request-id at all
                servedIds.add(id);
                ex.getResponseHeaders().set("x-request-id", id);
            }
            reply.headers().forEach((k, v) -> {
                if (!v.isEmpty()) ex.getResponseHeaders().set(k, v);
            });
            if (reply.sse() != null) {
                stream(ex, reply);
                return;
            }
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) ex.getResponseBody().write(out);
        }
    }

    private void hang() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stream(HttpExchange ex, Reply reply) throws IOException {
        ex.getResponseHeaders().set("content-type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream os = ex.getResponseBody();
        for (byte[] part : reply.sse()) {
            os.write(part);
            os.flush();
        }
        if (reply.end() != End.HOLD) return;
        try {
            release.await(20, TimeUnit.SECONDS);
            byte[] filler = (": keep-alive" + " ".repeat(65_000) + "\n\n").getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 2_000; i++) {
                os.write(filler);
                os.flush();
            }
            clientGone.complete(false);
        } catch (IOException expected) {
            clientGone.complete(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request as the server saw it (header names lower-case). */
    public record Recorded(String method, String path, String query, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** How an answer ends. */
    public enum End {
        /** Complete: the body or every SSE part is written, then the exchange closes. */
        COMPLETE,
        /** After the SSE parts, the stream stays open until {@link #release()} (then writes until the client left). */
        HOLD,
        /** No answer: the connection closes after the request was read. */
        RESET,
        /** No byte of an answer until {@link #release()} or {@link #close()}, then the connection closes. */
        HANG
    }

    /** One scripted answer: status, headers and body, or an SSE stream, and how it ends. */
    public record Reply(int status, Map<String, String> headers, String body, List<byte[]> sse, End end) {
        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("content-type", "application/json"), body, null, End.COMPLETE);
        }

        public static Reply text(int status, String contentType, String body) {
            return new Reply(status, Map.of("content-type", contentType), body, null, End.COMPLETE);
        }

        /** No answer: the connection closes after the request was read. */
        public static Reply reset() {
            return new Reply(0, Map.of(), "", null, End.RESET);
        }

        /** No byte of an answer until {@link ScriptedServer#release()} or {@link ScriptedServer#close()}. */
        public static Reply hang() {
            return new Reply(0, Map.of(), "", null, End.HANG);
        }

        public static Reply error(int status, String type, String code, String message) {
            return json(status, "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type
                    + "\",\"param\":null,\"code\":" + (code == null ? "null" : "\"" + code + "\"") + "}}");
        }

        /** Raw SSE events, each written and flushed on its own (include the blank line that ends an event). */
        public static Reply sse(String... events) {
            return new Reply(200, Map.of(), "", java.util.Arrays.stream(events)
                    .map(e -> e.getBytes(StandardCharsets.UTF_8)).toList(), End.COMPLETE);
        }

        /** Raw bytes, each part written and flushed on its own (to split events and characters anywhere). */
        public static Reply sseBytes(List<byte[]> parts) {
            return new Reply(200, Map.of(), "", List.copyOf(parts), End.COMPLETE);
        }

        public Reply header(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name.toLowerCase(Locale.ROOT), value);
            return new Reply(status, h, body, sse, end);
        }

        /** Without the {@code x-request-id} the server adds to every answer (a provider that names it otherwise). */
        public Reply withoutRequestId() {
            return header("x-request-id", "");
        }

        /** After the events, keep the stream open until {@link ScriptedServer#release()}. */
        public Reply thenHold() {
            return new Reply(status, headers, body, sse == null ? new ArrayList<>() : sse, End.HOLD);
        }
    }
}
