package dev.sluice.gateway.models;

import dev.sluice.gateway.config.choice.Http2Mode;

/**
 * One place a model can be served from. {@code baseUrl} null for the {@code sim} provider means the embedded
 * simulator. The credential is read from the environment variable {@code apiKeyEnv}, else the file
 * {@code apiKeyFile}, never from the config file itself. {@code weight} 0 means the model's deployments are tried in
 * the listed order; weights above 0 (set on every deployment of the model) spread first attempts in proportion to
 * them. {@code region}, {@code apiVersion} and {@code auth} (how the credential is sent, where a provider offers a
 * choice) matter to some providers only; null = the provider's default. {@code forwardSimHeader}: the caller's
 * {@code x-sluice-sim} goes along (a deployment pointing at a simulator flavor). {@code maxConnections},
 * {@code maxStreams} and {@code http2} shape its connections (null = the {@code upstream_pool} defaults; see
 * {@code upstream.UpstreamClients}).
 */
public record Deployment(String name, String provider, String baseUrl, String upstreamModel, String apiKeyEnv,
                         int weight, String apiKeyFile, String region, String apiVersion, String auth,
                         boolean forwardSimHeader, Integer maxConnections, Integer maxStreams, Http2Mode http2) {

    /**
     * A deployment with the provider's defaults for key file, region, API version and auth, and the
     * {@code upstream_pool} defaults for its connections (the adapters' probe targets use it).
     */
    public Deployment(String name, String provider, String baseUrl, String upstreamModel, String apiKeyEnv,
                      int weight) {
        this(name, provider, baseUrl, upstreamModel, apiKeyEnv, weight, null, null, null, null, false, null, null,
                null);
    }
}
