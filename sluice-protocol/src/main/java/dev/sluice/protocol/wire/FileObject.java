package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** An uploaded file ({@code object: "file"}). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FileObject(
        String id,
        String object,
        long bytes,
        @JsonProperty("created_at") long createdAt,
        String filename,
        String purpose,
        String status,
        @JsonProperty("status_details") String statusDetails,
        @JsonProperty("expires_at") Long expiresAt) {}
