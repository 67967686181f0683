package dev.sluice.sim.internal.anthropic;

import dev.sluice.sim.internal.SimRoutes;

/** Registers the Anthropic routes. */
public final class AnthropicFlavor implements SimRoutes.Flavor {
    @Override
    public void register(SimRoutes.FlavorRoutes routes) {
        routes.post("/v1/messages", new Messages(routes.options().tokensPerSecond()), new AnthropicDialect());
    }
}
