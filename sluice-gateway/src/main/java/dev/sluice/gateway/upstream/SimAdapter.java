package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.choice.Provider;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.Headers;

import java.util.Map;

/**
 * {@code provider: sim} — the built-in simulator (or a standalone {@code sluice sim}). Speaks OpenAI, and is the only
 * provider that receives the caller's {@code x-sluice-sim} fault directives. A fault the caller asked for is not a
 * sign of ill health, so such attempts do not move the circuit breaker: one caller's fault test must not open the
 * circuit for everyone.
 */
public final class SimAdapter implements ProviderAdapter {
    @Override
    public Provider provider() {
        return Provider.SIM;
    }

    @Override
    public void extraHeaders(Exchange ex, Map<String, String> headers) {
        String sim = ex.header(Headers.SLUICE_SIM);
        if (sim != null) headers.put(Headers.SLUICE_SIM, sim);
    }

    @Override
    public ApiException error(int status, String body, String model, String deployment) {
        return UpstreamErrors.fromStatus(status, body, model, deployment);
    }

    @Override
    public boolean carriesError(JsonNode root) {
        return ErrorBodies.carriesError(root);
    }

    @Override
    public boolean healthSignal(Exchange ex) {
        String sim = ex.header(Headers.SLUICE_SIM);
        if (sim != null && !sim.isBlank()) return false;
        return ex.json() == null || ex.json().path("metadata").path("sluice_sim").isMissingNode();
    }
}
