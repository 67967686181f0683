package dev.sluice.sim.internal.bedrock;

import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.SimRoutes;
import io.vertx.ext.web.Router;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Mounts the Bedrock runtime routes ({@code /model/{modelId}/converse|converse-stream|invoke}). */
public final class BedrockFlavor {
    private BedrockFlavor() {}

    public static void mount(Router r, SimRoutes routes) {
        BedrockErrors errors = new BedrockErrors();
        r.route("/model/*").handler(ctx -> {
            String id = Exchange.current(ctx).requestId();
            ctx.response().putHeader(BedrockErrors.REQUEST_ID,
                    UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)).toString());
            ctx.next();
        });
        r.post("/model/:modelId/converse").handler(SimRoutes.body())
                .handler(routes.post(errors, new Converse(false, routes.tokensPerSecond())));
        r.post("/model/:modelId/converse-stream").handler(SimRoutes.body())
                .handler(routes.post(errors, new Converse(true, routes.tokensPerSecond())));
        r.post("/model/:modelId/invoke").handler(SimRoutes.body())
                .handler(routes.post(errors, new InvokeEmbedding(routes.embeddingDimensions())));
    }
}
