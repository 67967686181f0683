package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.Endpoint;
import io.vertx.core.http.HttpMethod;

import java.util.Arrays;

/**
 * The public routes without path parameters, matched as Vert.x Web matches a route of an exact path: the request's
 * normalized path equals the route's, or does with one trailing slash more; the method must be the route's; the first
 * endpoint in {@link Endpoint} order wins (as the routes are registered in that order). Paths with parameters are left
 * to the router, which also decodes them into the request's parameters.
 */
final class StaticRoutes {
    private final Endpoint[] endpoints = Arrays.stream(Endpoint.values()).filter(e -> !hasParameters(e))
            .toArray(Endpoint[]::new);
    private final HttpMethod[] methods = Arrays.stream(endpoints).map(e -> HttpMethod.valueOf(e.method()))
            .toArray(HttpMethod[]::new);

    static boolean hasParameters(Endpoint e) {
        return e.route().indexOf(':') >= 0;
    }

    /** The endpoint of {@code method} on {@code normalizedPath}, or null when none without parameters matches. */
    Endpoint find(HttpMethod method, String normalizedPath) {
        int len = normalizedPath.length();
        if (len > 1 && normalizedPath.charAt(len - 1) == '/') len--;
        for (int i = 0; i < endpoints.length; i++) {
            String route = endpoints[i].route();
            if (route.length() == len && methods[i].equals(method) && normalizedPath.regionMatches(0, route, 0, len)) {
                return endpoints[i];
            }
        }
        return null;
    }
}
