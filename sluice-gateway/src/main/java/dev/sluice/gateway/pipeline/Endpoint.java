package dev.sluice.gateway.pipeline;

/** The public routes that run through a pipeline, with what they need from it. */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", true),
    RESPONSES("/v1/responses", true),
    EMBEDDINGS("/v1/embeddings", true),
    IMAGES("/v1/images/generations", true),
    MODELS_LIST("/v1/models", false),
    MODELS_GET("/v1/models/:id", false);

    private final String route;
    private final boolean modelRequest;

    Endpoint(String route, boolean modelRequest) {
        this.route = route;
        this.modelRequest = modelRequest;
    }

    public String route() { return route; }

    /** True for POSTs that name a model and go upstream (they count toward limits and usage). */
    public boolean modelRequest() { return modelRequest; }
}
