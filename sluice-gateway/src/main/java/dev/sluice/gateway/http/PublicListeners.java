package dev.sluice.gateway.http;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The public port served by several event loops: one HTTP server per loop, all on the same port (Vert.x spreads the
 * accepted connections over them). Everything a request touches across connections — limits, breakers, admission
 * control, idempotency, metrics — is shared and safe to use from any loop; a request stays on the loop of its
 * connection from its first byte to its last.
 */
public final class PublicListeners {
    private final List<HttpServer> servers;

    private PublicListeners(List<HttpServer> servers) {
        this.servers = List.copyOf(servers);
    }

    /** How many loops {@code configured} means: 0 = one per core. */
    public static int loops(int configured) {
        return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Listens with {@code loops} servers: the first binds {@code options}' port (0 = any free port), the others share
     * the port it got, each on its own event-loop context. {@code setUp} gives each server its handlers (the
     * request handler, the port's connection guard).
     */
    public static Future<PublicListeners> listen(Vertx vertx, HttpServerOptions options, int loops,
                                                 java.util.function.UnaryOperator<HttpServer> setUp) {
        if (options.getPort() != 0 || loops <= 1) return listenOn(vertx, options, loops, setUp);
        // Port 0 with several loops: Vert.x shares a socket between servers of the same host:port only, so choose a
        // free port first (a few tries, in case another process takes it in between).
        Future<PublicListeners> f = listenOn(vertx, new HttpServerOptions(options).setPort(freePort(options)), loops,
                setUp);
        for (int i = 0; i < 4; i++) {
            f = f.recover(e -> listenOn(vertx, new HttpServerOptions(options).setPort(freePort(options)), loops, setUp));
        }
        return f;
    }

    private static int freePort(HttpServerOptions options) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(options.getHost()))) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Future<PublicListeners> listenOn(Vertx vertx, HttpServerOptions options, int loops,
                                                    java.util.function.UnaryOperator<HttpServer> setUp) {
        List<HttpServer> all = Collections.synchronizedList(new ArrayList<>());
        // Instances of one deployment with the same options share the bound socket (port 0 too: one random port)
        // and Vert.x spreads the accepted connections over their loops.
        return vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                return setUp.apply(vertx.createHttpServer(options)).listen().onSuccess(all::add);
            }
        }, new DeploymentOptions().setInstances(Math.max(1, loops))).compose(id -> {
            List<HttpServer> servers = List.copyOf(all);
            int port = servers.getFirst().actualPort();
            for (HttpServer s : servers) {
                if (s.actualPort() != port) {
                    return vertx.undeploy(id).transform(x -> Future.failedFuture(
                            "the public event loops bound different ports (" + port + ", " + s.actualPort() + ")"));
                }
            }
            return Future.succeededFuture(new PublicListeners(servers));
        });
    }

    public int actualPort() {
        return servers.getFirst().actualPort();
    }

    /** Number of servers (event loops) accepting on the public port. */
    public int size() {
        return servers.size();
    }

    /** Stops accepting; open connections get until {@code timeout} to finish (see {@link HttpServer#shutdown}). */
    public Future<Void> shutdown(long timeout, TimeUnit unit) {
        List<Future<Void>> all = new ArrayList<>();
        for (HttpServer s : servers) all.add(s.shutdown(timeout, unit));
        return Future.join(all).mapEmpty();
    }

    public Future<Void> close() {
        List<Future<Void>> all = new ArrayList<>();
        for (HttpServer s : servers) all.add(s.close());
        return Future.join(all).mapEmpty();
    }
}
