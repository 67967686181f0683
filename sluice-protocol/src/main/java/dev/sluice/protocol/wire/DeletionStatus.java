package dev.sluice.protocol.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The answer of a delete ({@code {"id":…,"object":"file","deleted":true}}). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeletionStatus(String id, String object, boolean deleted) {}
