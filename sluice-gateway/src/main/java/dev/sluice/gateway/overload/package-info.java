/**
 * Protection of the gateway and of its upstreams from load: {@link dev.sluice.gateway.overload.AdmissionControl}
 * (an adaptive concurrency limit with a short, deadline-bounded queue: 503 server_overloaded) and
 * {@link dev.sluice.gateway.overload.SlowDownGuard} (a project whose request rate jumps far above its recent baseline
 * gets 503 slow_down), with its per-project request counts in memory or in Redis.
 */
package dev.sluice.gateway.overload;
