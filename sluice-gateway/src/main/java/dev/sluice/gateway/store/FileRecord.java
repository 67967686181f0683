package dev.sluice.gateway.store;

import java.time.Instant;

/**
 * An uploaded (or batch-produced) file: its metadata row; the bytes live in {@code <data_dir>/files/<storageName>}.
 *
 * @param purpose   {@code batch} for uploads, {@code batch_output} for a batch's output and error files
 * @param lineCount non-blank lines (JSONL records)
 */
public record FileRecord(String id, String orgId, String projectId, String purpose, String filename, long bytes,
                         int lineCount, String status, String storageName, Instant createdAt) {
    public static final String PURPOSE_BATCH = "batch";
    public static final String PURPOSE_BATCH_OUTPUT = "batch_output";
    public static final String STATUS_PROCESSED = "processed";
}
