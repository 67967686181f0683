/**
 * The retry rules every Sluice component shares, written once: reading a server's requested wait
 * ({@link dev.sluice.protocol.retry.RetryAfter}) and exponential backoff with jitter
 * ({@link dev.sluice.protocol.retry.Backoff}). The gateway (upstream retries), the client SDK and the batch runner
 * use them; each keeps only its own policy (which statuses, how many attempts, the longest wait it honours).
 */
package dev.sluice.protocol.retry;
