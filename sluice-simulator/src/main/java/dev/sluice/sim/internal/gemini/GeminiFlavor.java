package dev.sluice.sim.internal.gemini;

import dev.sluice.sim.internal.SimRoutes;
import io.vertx.ext.web.Router;

/** Mounts the Gemini routes ({@code /v1beta/models/{model}:{method}}) on the simulator's router. */
public final class GeminiFlavor {
    /** The model and method of a Gemini path; {@code :} may arrive percent-encoded. */
    static final String PATH = "/(?:v1beta|v1)/models/([^/:%]+)(?::|%3[Aa])([A-Za-z]+)";

    private GeminiFlavor() {}

    public static void mount(Router r, SimRoutes routes) {
        GeminiErrors errors = new GeminiErrors();
        r.postWithRegex(PATH).handler(SimRoutes.body())
                .handler(routes.post(errors, new GenerateContent(routes.tokensPerSecond(), routes.embeddingDimensions())));
    }
}
