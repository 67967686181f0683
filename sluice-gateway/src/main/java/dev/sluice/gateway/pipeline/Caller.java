package dev.sluice.gateway.pipeline;

/** Who is calling, once the API key is authenticated: ids only, never the secret. */
public record Caller(String keyId, String orgId, String projectId, String redactedKey) {}
