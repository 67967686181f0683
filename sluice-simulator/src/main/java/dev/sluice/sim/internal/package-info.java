/**
 * How the simulator works: the route list ({@link dev.sluice.sim.internal.SimRoutes}), one class per endpoint, the
 * fault directives and their execution, deterministic text/embedding generation and the paced SSE writer. Not an API;
 * the gateway uses only {@code dev.sluice.sim}.
 */
package dev.sluice.sim.internal;
