/**
 * The gateway's one Redis connection ({@link dev.sluice.gateway.redis.RedisConnection}), configured by the
 * {@code redis:} section of sluice.yaml and shared by rate limits, Slow Down and idempotency. What each user stores
 * (scripts, keys) stays with that user.
 */
package dev.sluice.gateway.redis;
