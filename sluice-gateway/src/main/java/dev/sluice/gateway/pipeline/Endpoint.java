package dev.sluice.gateway.pipeline;

/** The public routes that run through a pipeline, with what they need from it. */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", true),
    RESPONSES("/v1/responses", true),
    EMBEDDINGS("/v1/embeddings", true),
    IMAGES("/v1/images/generations", true),
    MODELS_LIST("/v1/models", false),
    MODELS_GET("/v1/models/:id", false),
    FILES_UPLOAD("/v1/files", "POST"),
    FILES_LIST("/v1/files", "GET"),
    FILES_GET("/v1/files/:id", "GET"),
    FILES_DELETE("/v1/files/:id", "DELETE"),
    FILES_CONTENT("/v1/files/:id/content", "GET"),
    BATCHES_CREATE("/v1/batches", "POST"),
    BATCHES_LIST("/v1/batches", "GET"),
    BATCHES_GET("/v1/batches/:id", "GET"),
    BATCHES_CANCEL("/v1/batches/:id/cancel", "POST");

    private final String route;
    private final boolean modelRequest;
    private final String method;

    Endpoint(String route, boolean modelRequest) {
        this.route = route;
        this.modelRequest = modelRequest;
        this.method = modelRequest ? "POST" : "GET";
    }

    /** A route that is not a model request (files, batches), with its HTTP method. */
    Endpoint(String route, String method) {
        this.route = route;
        this.modelRequest = false;
        this.method = method;
    }

    public String route() { return route; }

    /** True for POSTs that name a model and go upstream (they count toward limits and usage). */
    public boolean modelRequest() { return modelRequest; }

    /** The HTTP method the route answers. */
    public String method() { return method; }
}
