package dev.sluice.gateway.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A batch as stored: who owns it, what it runs (endpoint, input file, the key its lines are sent with), where it
 * stands (status, counts, the times of each transition) and what it produced (output and error files, or the
 * validation errors of a failed batch).
 *
 * @param inputName  the batch's own link to its input under {@code <data_dir>/files}, so deleting the uploaded file
 *                   cannot pull the input from under a running batch
 * @param batchKeyId the API key minted for this batch's lines (revoked when it ends)
 */
public record BatchRecord(String id, String orgId, String projectId, String batchKeyId, String endpoint,
                          String inputFileId, String inputName, String completionWindow, Map<String, String> metadata,
                          BatchStatus status, String outputFileId, String errorFileId, List<LineError> errors,
                          Counts counts, Times times) {

    public BatchRecord {
        metadata = metadata == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        errors = errors == null ? null : List.copyOf(errors);
    }

    /** {@code request_counts}: lines in the batch, and those finished in the output / error file so far. */
    public record Counts(int total, int completed, int failed) {
        public static final Counts ZERO = new Counts(0, 0, 0);
    }

    /** When the batch entered each status (null until it did). */
    public record Times(Instant createdAt, Instant inProgressAt, Instant expiresAt, Instant finalizingAt,
                        Instant completedAt, Instant failedAt, Instant expiredAt, Instant cancellingAt,
                        Instant cancelledAt) {
        public static Times created(Instant at, Instant expiresAt) {
            return new Times(at, null, expiresAt, null, null, null, null, null, null);
        }
    }

    /** A validation error of the input file; {@code line} is 1-based, null for file-wide errors. */
    public record LineError(String code, String message, String param, Integer line) {}
}
