package dev.sluice.gateway.admin;

import io.vertx.ext.web.Router;

/**
 * A group of administration endpoints (projects, keys, limits, usage...). Each group mounts its routes on the admin
 * router, which has already authenticated the admin token and read the body.
 */
public interface AdminRoutes {
    void mount(Router router);
}
