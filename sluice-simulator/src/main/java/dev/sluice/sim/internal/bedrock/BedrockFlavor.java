package dev.sluice.sim.internal.bedrock;

import dev.sluice.sim.internal.SimRoutes;

/** Registers the Bedrock runtime routes ({@code /model/{modelId}/converse|converse-stream|invoke}). */
public final class BedrockFlavor implements SimRoutes.Flavor {
    @Override
    public void register(SimRoutes.FlavorRoutes routes) {
        BedrockErrors errors = new BedrockErrors();
        int tps = routes.options().tokensPerSecond();
        routes.post("/model/:modelId/converse", new Converse(false, tps), errors);
        routes.post("/model/:modelId/converse-stream", new Converse(true, tps), errors);
        routes.post("/model/:modelId/invoke", new InvokeEmbedding(routes.options().embeddingDimensions()), errors);
    }
}
