package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/** {@code POST /v1/batches}. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchCreateRequest(
        @JsonProperty("input_file_id") String inputFileId,
        String endpoint,
        @JsonProperty("completion_window") String completionWindow,
        Map<String, String> metadata) {

    public static BatchCreateRequest of(String inputFileId, String endpoint) {
        return new BatchCreateRequest(inputFileId, endpoint, "24h", null);
    }
}
