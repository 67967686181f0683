package dev.sluice.client.internal;

import dev.sluice.client.RetryPolicy;
import dev.sluice.client.Sleeper;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** The client's settings, built once by {@code SluiceClient.Builder} and shared read-only. */
public record ClientConfig(
        URI baseUrl,
        String apiKey,
        String organization,
        String project,
        Duration timeout,
        RetryPolicy retryPolicy,
        Clock clock,
        Sleeper sleeper,
        boolean pacing,
        Map<String, String> defaultHeaders) {

    public ClientConfig {
        defaultHeaders = Map.copyOf(defaultHeaders);
    }
}
