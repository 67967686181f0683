package dev.sluice.gateway.models;

/**
 * One place a model can be served from. {@code baseUrl} null for the {@code sim} provider means the embedded
 * simulator. The credential is read from an environment variable, never from the config file itself.
 */
public record Deployment(String name, String provider, String baseUrl, String upstreamModel, String apiKeyEnv,
                         int weight) {}
