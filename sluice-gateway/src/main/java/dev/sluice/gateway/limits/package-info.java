/**
 * Rate limits: RPM, RPD, TPM, TPD and IPM per (organization, model family) and (project, model family), decided all
 * at once (a refused request consumes nothing) by a {@link dev.sluice.gateway.limits.LimitStore} that keeps
 * continuously refilling buckets in memory (one process) or in Redis (one Lua script per decision, shared by every
 * gateway). {@link dev.sluice.gateway.limits.RateLimiter} turns a request into checks and a
 * {@link dev.sluice.gateway.limits.Decision}; the {@link dev.sluice.gateway.limits.RateLimits} stage answers 429 and
 * puts the {@code x-ratelimit-*} headers on every model response.
 */
package dev.sluice.gateway.limits;
