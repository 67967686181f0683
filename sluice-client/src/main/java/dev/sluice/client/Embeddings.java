package dev.sluice.client;

import dev.sluice.client.internal.Json;
import dev.sluice.protocol.wire.EmbeddingResponse;

/** {@code POST /v1/embeddings}; the request is any JSON object ({@link dev.sluice.protocol.wire.EmbeddingRequest}, Map, …). */
public final class Embeddings {
    private final Api api;

    Embeddings(Api api) {
        this.api = api;
    }

    public EmbeddingResponse create(Object request) {
        return create(request, RequestOptions.defaults());
    }

    public EmbeddingResponse create(Object request, RequestOptions options) {
        return api.json("POST", "/embeddings", request, Json.type(EmbeddingResponse.class), options);
    }
}
