/**
 * The Batch API round trip: JSONL from {@link dev.sluice.client.batch.BatchRequest}s, upload, create, poll with
 * progress, download the output and error files, and one {@link dev.sluice.client.batch.BatchResult} per input,
 * matched by custom_id (output order differs from input order).
 */
package dev.sluice.client.batch;
