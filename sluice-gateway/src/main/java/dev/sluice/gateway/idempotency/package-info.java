/**
 * Idempotency-Key records: a request's key is reserved while it runs, and its completed answer is kept (24 h by
 * default) so a retry with the same key gets the same bytes instead of a second run and a second bill. One
 * {@link dev.sluice.gateway.idempotency.IdempotencyStore} interface, in memory (Caffeine) or in Redis.
 */
package dev.sluice.gateway.idempotency;
