package dev.sluice.sim.internal.gemini;

import dev.sluice.sim.internal.SimRoutes;

/** Registers the Gemini routes ({@code /v1beta/models/{model}:{method}}). */
public final class GeminiFlavor implements SimRoutes.Flavor {
    /** The model and method of a Gemini path; {@code :} may arrive percent-encoded. */
    static final String PATH = "/(?:v1beta|v1)/models/([^/:%]+)(?::|%3[Aa])([A-Za-z]+)";

    @Override
    public void register(SimRoutes.FlavorRoutes routes) {
        routes.postRegex(PATH, new GenerateContent(routes.options().tokensPerSecond(),
                routes.options().embeddingDimensions()), new GeminiErrors());
    }
}
