/**
 * The Batch API ({@code /v1/batches}): asynchronous validation of the input file, a runner that sends each line
 * through the gateway's own public port (so every stage of the live request path applies to it), per-line results
 * persisted before a line counts as done, and output and error files assembled from them at the end. Batches
 * resume after a crash without running a recorded line again.
 */
package dev.sluice.gateway.batch;
