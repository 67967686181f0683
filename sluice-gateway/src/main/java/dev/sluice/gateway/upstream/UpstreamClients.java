package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.choice.Http2Mode;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP clients to the upstreams, one per deployment connection profile (origin, HTTP/2 mode, limits), each with
 * its own pool: at most {@code max_connections} connections per origin; over HTTP/2 (ALPN over TLS, or h2c with prior
 * knowledge when the deployment sets {@code http2: h2c} — the embedded simulator always speaks it) each connection
 * carries up to {@code max_streams} requests at once, so thousands of streams share a few connections.
 *
 * <p>A request that finds every connection busy waits in the pool up to {@code upstream_pool.wait_ms} (apart from
 * the upstream's first-byte timeout, which starts only once it has a connection). When that wait runs out, or more
 * than {@code max_waiting} already wait, the answer is the gateway's own 503 {@code upstream_capacity} with
 * {@code retry-after} — the upstream was never asked, so it is never reported as the upstream's timeout — and
 * {@code sluice_upstream_capacity_refusals_total} counts it.
 *
 * <p>Each public event loop keeps its own pools, so a request and its upstream connection stay on one thread (a
 * shared pool hands every request and answer between threads); a deployment's {@code max_connections} is divided
 * among the loops, rounded up. An HTTP/2 connection's frames go to its socket once per turn of its loop, not once per
 * request ({@link FlushBatching}).
 */
public final class UpstreamClients implements AutoCloseable {
    private final Vertx vertx;
    private final SluiceConfig.UpstreamPool pool;
    private final long connectMs;
    private final MeterRegistry metrics;
    private final int loops;
    private final Map<Key, Pool> clients = new ConcurrentHashMap<>();
    /** Per event-loop thread, read and written only by that thread. */
    private final Map<Thread, java.util.IdentityHashMap<Deployment, Pool>> byLoop = new ConcurrentHashMap<>();

    /**
     * One pool of connections, how many requests hold one of its connections (or streams) right now, and how many of
     * its connections are open and ready. A wait for a connection that runs out while the pool had room for another
     * connection (fewer ready than {@code max_connections}) was a wait for the upstream to take a new connection — the
     * upstream (or the way to it) was slow to accept it, or the machine stalled — not the pool full.
     */
    public static final class Pool {
        private final HttpClient client;
        private final int maxConnections;
        private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger ready = new java.util.concurrent.atomic.AtomicInteger();

        /** {@code client}: builds the pool's client given the handler its new connections are reported to. */
        Pool(int maxConnections,
             java.util.function.Function<io.vertx.core.Handler<io.vertx.core.http.HttpConnection>, HttpClient> client) {
            this.maxConnections = maxConnections;
            this.client = client.apply(this::opened);
        }

        public HttpClient client() {
            return client;
        }

        /** A request got a connection (or a stream) of this pool. */
        void hold() {
            held.incrementAndGet();
        }

        /** ... and gave it back. */
        void release() {
            held.decrementAndGet();
        }

        /** How many requests hold one of its connections now. */
        public int held() {
            return held.get();
        }

        /** A connection of this pool is ready for requests; it counts until it closes. */
        void opened(io.vertx.core.http.HttpConnection c) {
            FlushBatching.install(c);
            ready.incrementAndGet();
            c.closeHandler(v -> ready.decrementAndGet());
        }

        /** How many of its connections are open and ready now. */
        public int ready() {
            return ready.get();
        }

        /** The most connections it may open (this event loop's share of the deployment's {@code max_connections}). */
        public int maxConnections() {
            return maxConnections;
        }
    }

    /** One pool per profile and event loop: a request and its upstream connection stay on one thread. */
    private record Key(Profile profile, Thread loop) {}

    /** How the connections to one origin are made; deployments with the same profile share one pool. */
    record Profile(String origin, boolean tls, boolean h2c, boolean alpn, int maxConnections, int maxStreams) {}

    public UpstreamClients(Vertx vertx, SluiceConfig.UpstreamPool pool, long connectMs, MeterRegistry metrics) {
        this(vertx, pool, connectMs, metrics, 1);
    }

    /**
     * {@code loops}: the public event loops; each keeps its own pools (no hand-off between threads per request), with
     * an equal share of every deployment's {@code max_connections} (rounded up).
     */
    public UpstreamClients(Vertx vertx, SluiceConfig.UpstreamPool pool, long connectMs, MeterRegistry metrics,
                           int loops) {
        this.loops = Math.max(1, loops);
        this.vertx = vertx;
        this.pool = pool;
        this.connectMs = connectMs;
        this.metrics = metrics;
    }

    /** The pool for {@code deployment} reached at {@code baseUrl}; {@code embeddedSim}: the gateway's own simulator. */
    public Pool of(Deployment deployment, String baseUrl, boolean embeddedSim) {
        Thread loop = Vertx.currentContext() != null && Vertx.currentContext().isEventLoopContext()
                ? Thread.currentThread() : null;
        if (loop != null) { // the hot path: this loop's own memo by deployment identity (no hashing of profiles)
            java.util.IdentityHashMap<Deployment, Pool> memo = byLoop.computeIfAbsent(loop,
                    t -> new java.util.IdentityHashMap<>());
            Pool c = memo.get(deployment);
            if (c == null) {
                c = pool(deployment, baseUrl, embeddedSim, loop);
                if (memo.size() > 10_000) memo.clear(); // deployments replaced by many reloads
                memo.put(deployment, c);
            }
            return c;
        }
        return pool(deployment, baseUrl, embeddedSim, null);
    }

    private Pool pool(Deployment deployment, String baseUrl, boolean embeddedSim, Thread loop) {
        return clients.computeIfAbsent(new Key(profile(deployment, baseUrl, embeddedSim), loop), k -> {
            int max = k.loop() == null ? k.profile().maxConnections() : (k.profile().maxConnections() + loops - 1) / loops;
            return new Pool(max, opened -> create(k.profile(), max, opened));
        });
    }

    Profile profile(Deployment d, String baseUrl, boolean embeddedSim) {
        URI u = URI.create(baseUrl);
        boolean tls = "https".equalsIgnoreCase(u.getScheme());
        Http2Mode mode = d.http2() != null ? d.http2() : embeddedSim ? Http2Mode.H2C : Http2Mode.AUTO;
        int maxConnections = d.maxConnections() != null ? d.maxConnections() : pool.maxConnections();
        int maxStreams = d.maxStreams() != null ? d.maxStreams() : pool.maxStreams();
        String origin = u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
        return new Profile(origin, tls, !tls && mode == Http2Mode.H2C, tls && mode != Http2Mode.OFF, maxConnections,
                maxStreams);
    }

    /** A client of at most {@code maxConnections} connections, each reported to {@code opened} once it is ready. */
    private HttpClient create(Profile p, int maxConnections,
                              io.vertx.core.Handler<io.vertx.core.http.HttpConnection> opened) {
        HttpClientOptions o = new HttpClientOptions().setConnectTimeout((int) connectMs).setKeepAlive(true)
                .setHttp2MultiplexingLimit(p.maxStreams()).setHttp2KeepAliveTimeout(60);
        if (p.h2c()) {
            o.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false); // prior knowledge
        } else if (p.alpn()) {
            o.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true)
                    .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
        }
        return vertx.httpClientBuilder().with(o).with(new PoolOptions().setHttp1MaxSize(maxConnections)
                .setHttp2MaxSize(maxConnections).setMaxWaitQueueSize(pool.maxWaiting()))
                .withConnectHandler(opened).build();
    }

    /** Where the upstream URLs seen so far point (by origin, {@code scheme://host:port}), parsed once each. */
    private static final Map<String, Origin> ORIGINS = new ConcurrentHashMap<>();

    /**
     * {@code server}: the address the client connects to, the one it would build from host and port for every request
     * (an IP literal parsed into an address each time); null when that would fail, so the request fails as before.
     * An address of a host name is not resolved here (the client resolves it per connection, as without it).
     */
    private record Origin(boolean ssl, String host, int port, SocketAddress server) {
        static Origin parse(String origin) {
            URI u = URI.create(origin);
            boolean ssl = "https".equalsIgnoreCase(u.getScheme());
            if (u.getHost() == null || u.getRawUserInfo() != null || !"http".equalsIgnoreCase(u.getScheme()) && !ssl) {
                return null;
            }
            int port = u.getPort() >= 0 ? u.getPort() : ssl ? 443 : 80;
            return new Origin(ssl, u.getHost(), port, server(u.getHost(), port));
        }

        private static SocketAddress server(String host, int port) {
            try {
                return SocketAddress.inetSocketAddress(port, host);
            } catch (RuntimeException e) { // a bad port or address: the client then fails the request, as without it
                return null;
            }
        }
    }

    /**
     * The request options of one attempt to the absolute {@code url}: its origin (scheme, host, port and the server's
     * address) parsed once per origin rather than per request, the path and query as they are. An URL of another
     * form is parsed whole.
     */
    public static RequestOptions requestOptions(String url) {
        int start = url.indexOf("://");
        int slash = start < 0 ? -1 : url.indexOf('/', start + 3);
        if (slash > 0 && url.indexOf('@', start + 3) < 0) {
            String key = url.substring(0, slash);
            Origin o = ORIGINS.get(key);
            if (o == null && ORIGINS.size() < 10_000) {
                try {
                    o = Origin.parse(key);
                } catch (IllegalArgumentException e) {
                    o = null;
                }
                if (o != null) ORIGINS.put(key, o);
            }
            if (o != null) {
                return new RequestOptions().setSsl(o.ssl()).setHost(o.host()).setPort(o.port()).setServer(o.server())
                        .setURI(url.substring(slash));
            }
        }
        return new RequestOptions().setAbsoluteURI(url);
    }

    /** How long a request may wait for a connection: {@code wait_ms}, plus the connect timeout of one being opened. */
    public long acquireTimeoutMs() {
        return pool.waitMs() + connectMs;
    }

    /**
     * Whether {@code failure} of obtaining a request from {@code pool} means the pool was full: too many waiting, or
     * the wait for a connection ran out while all the connections it may open were open and requests held them. The
     * same wait running out while it had room for another connection (or none was held) was a wait for a connection
     * being opened (the upstream slow to accept it, or the machine stalled): that is the upstream's timeout, like a
     * TCP connect timeout or refusal, and is not this.
     */
    public static boolean poolExhausted(Throwable failure, Pool pool) {
        if (failure instanceof ConnectionPoolTooBusyException) return true;
        String m = failure.getClass().getSimpleName().equals("NoStackTraceTimeoutException") ? failure.getMessage() : null;
        return m != null && m.contains("getting a connection") && pool.held() > 0
                && pool.ready() >= pool.maxConnections();
    }

    /** The 503 a caller gets for a full pool, counted per deployment. */
    public ApiException refused(String model, Deployment deployment) {
        metrics.counter("sluice_upstream_capacity_refusals", "deployment", deployment.name()).increment();
        return ApiException.of(ErrorKind.UPSTREAM_CAPACITY, "model", model)
                .withHeaders(Map.of(Headers.RETRY_AFTER, "1"));
    }

    /** Number of distinct connection pools made so far (tests, metrics). */
    public int pools() {
        return clients.size();
    }

    /**
     * Closes every pool without waiting: the future completes when they are closed. For a Vert.x thread, which must
     * never wait for it ({@link #close()} would hold the thread, and with it every connection or accept it serves).
     */
    public Future<Void> closeAsync() {
        List<Future<Void>> closing = new ArrayList<>();
        for (Pool c : clients.values()) closing.add(c.client().close());
        clients.clear();
        byLoop.clear();
        return Future.join(closing).mapEmpty();
    }

    /** Closes every pool and waits for it, at most 10 s; never from a Vert.x thread (see {@link #closeAsync()}). */
    @Override
    public void close() {
        closeAsync().toCompletionStage().toCompletableFuture().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                .exceptionally(e -> null).join();
    }
}
