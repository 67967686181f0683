package dev.sluice.sim.internal.azure;

import dev.sluice.sim.internal.ChatCompletions;
import dev.sluice.sim.internal.Embeddings;
import dev.sluice.sim.internal.SimRoutes;

/** Registers the Azure OpenAI routes: the deployment name in the path is the simulator's model id. */
public final class AzureFlavor implements SimRoutes.Flavor {
    @Override
    public void register(SimRoutes.FlavorRoutes routes) {
        AzureDialect dialect = new AzureDialect();
        routes.post("/openai/deployments/:deployment/chat/completions",
                new AzureEndpoint<>(new ChatCompletions(routes.options().tokensPerSecond())), dialect);
        routes.post("/openai/deployments/:deployment/embeddings",
                new AzureEndpoint<>(new Embeddings(routes.options().embeddingDimensions())), dialect);
    }
}
