package dev.sluice.gateway.models;

/**
 * One place a model can be served from. {@code baseUrl} null for the {@code sim} provider means the embedded
 * simulator. The credential is read from an environment variable, never from the config file itself.
 * {@code weight} 0 means the model's deployments are tried in the listed order; weights above 0 (set on every
 * deployment of the model) spread first attempts in proportion to them.
 */
public record Deployment(String name, String provider, String baseUrl, String upstreamModel, String apiKeyEnv,
                         int weight) {}
