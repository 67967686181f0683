package dev.sluice.sim.internal.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.sim.SimModels;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Endpoint;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.NativeError;
import dev.sluice.sim.internal.SimCall;

import java.util.Map;

/**
 * One OpenAI route as Azure serves it: {@code api-version} is required, a credential ({@code api-key} or an Entra
 * bearer token) must be present, the deployment in the path picks the model (the body's {@code model} is ignored,
 * as Azure does), and answers carry {@code apim-request-id} and Azure's {@code x-ratelimit-remaining-*}.
 */
final class AzureEndpoint<C extends SimCall> implements Endpoint<C> {
    private final Endpoint<C> openai;

    AzureEndpoint(Endpoint<C> openai) {
        this.openai = openai;
    }

    @Override
    public C parse(JsonNode body, Directives d) {
        throw new IllegalStateException("Azure routes need the path");
    }

    @Override
    public C parse(Exchange ex, JsonNode body, Directives d) {
        AzureDialect.stamp(ex);
        String version = ex.ctx().request().getParam("api-version");
        if (version == null || version.isBlank()) {
            throw new NativeError(404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}", Map.of());
        }
        String key = ex.ctx().request().getHeader("api-key");
        String bearer = ex.ctx().request().getHeader("authorization");
        if ((key == null || key.isBlank()) && (bearer == null || !bearer.startsWith("Bearer "))) {
            throw AzureDialect.Row.UNAUTHORIZED.error(ex);
        }
        String deployment = ex.ctx().pathParam("deployment");
        if (SimModels.find(deployment).isEmpty()) throw AzureDialect.Row.DEPLOYMENT_NOT_FOUND.error(ex);
        ObjectNode copy = body.deepCopy();
        copy.put("model", deployment);
        return openai.parse(copy, d);
    }

    @Override
    public void answer(Exchange ex, C call, Directives d) {
        ex.response().putHeader("x-ratelimit-remaining-requests", "119");
        ex.response().putHeader("x-ratelimit-remaining-tokens", "119000");
        ex.response().putHeader("x-ms-region", "Sweden Central");
        openai.answer(ex, call, d);
    }
}
