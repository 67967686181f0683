package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.choice.Provider;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorBodies;

/**
 * {@code provider: openai} — OpenAI and any OpenAI-compatible server: bearer credential from the deployment's
 * {@code api_key_env}, OpenAI-shaped error bodies (other shapes are normalised by status), request id in
 * {@code x-request-id}. The simulator's fault header is never sent to it.
 */
public final class OpenAiAdapter implements ProviderAdapter {
    @Override
    public Provider provider() {
        return Provider.OPENAI;
    }

    @Override
    public ApiException error(int status, String body, String model, String deployment) {
        return UpstreamErrors.fromStatus(status, body, model, deployment);
    }

    @Override
    public boolean carriesError(JsonNode root) {
        return ErrorBodies.carriesError(root);
    }
}
