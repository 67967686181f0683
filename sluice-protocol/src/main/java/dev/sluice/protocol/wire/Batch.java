package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A batch ({@code object: "batch"}). Status flow: validating → failed | in_progress → finalizing → completed;
 * expired; cancelling → cancelled.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Batch(
        String id,
        String object,
        String endpoint,
        Errors errors,
        @JsonProperty("input_file_id") String inputFileId,
        @JsonProperty("completion_window") String completionWindow,
        String status,
        @JsonProperty("output_file_id") String outputFileId,
        @JsonProperty("error_file_id") String errorFileId,
        @JsonProperty("created_at") Long createdAt,
        @JsonProperty("in_progress_at") Long inProgressAt,
        @JsonProperty("expires_at") Long expiresAt,
        @JsonProperty("finalizing_at") Long finalizingAt,
        @JsonProperty("completed_at") Long completedAt,
        @JsonProperty("failed_at") Long failedAt,
        @JsonProperty("expired_at") Long expiredAt,
        @JsonProperty("cancelling_at") Long cancellingAt,
        @JsonProperty("cancelled_at") Long cancelledAt,
        @JsonProperty("request_counts") RequestCounts requestCounts,
        Map<String, String> metadata) {

    /** The statuses after which a batch never changes again. */
    public static final Set<String> TERMINAL = Set.of("completed", "failed", "expired", "cancelled");

    public boolean isTerminal() {
        return status != null && TERMINAL.contains(status);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RequestCounts(int total, int completed, int failed) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Errors(String object, List<Error> data) {
        public Errors {
            data = data == null ? List.of() : data;
        }
    }

    /** A validation error of the input file; {@code line} is 1-based when present. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(String code, String message, String param, Integer line) {}
}
