package dev.sluice.client;

import dev.sluice.client.internal.Json;
import dev.sluice.client.internal.ResponseStreamInterpreter;
import dev.sluice.protocol.wire.ResponseObject;
import dev.sluice.protocol.wire.ResponseStreamEvent;

import java.util.concurrent.CompletableFuture;

/** {@code POST /v1/responses}; the request is any JSON object ({@link dev.sluice.protocol.wire.ResponseRequest}, Map, …). */
public final class Responses {
    private static final String PATH = "/responses";
    private final Api api;

    Responses(Api api) {
        this.api = api;
    }

    public ResponseObject create(Object request) {
        return create(request, RequestOptions.defaults());
    }

    public ResponseObject create(Object request, RequestOptions options) {
        return api.json("POST", PATH, request, Json.type(ResponseObject.class), options);
    }

    /** Runs on a virtual thread; cancelling the future cancels the call and its retries. */
    public CompletableFuture<ResponseObject> createAsync(Object request) {
        return createAsync(request, RequestOptions.defaults());
    }

    public CompletableFuture<ResponseObject> createAsync(Object request, RequestOptions options) {
        return api.async(() -> create(request, options));
    }

    /** Streams events until {@code response.completed}; {@code event: error} and {@code response.failed} throw. */
    public EventStream<ResponseStreamEvent> stream(Object request) {
        return stream(request, RequestOptions.defaults());
    }

    public EventStream<ResponseStreamEvent> stream(Object request, RequestOptions options) {
        return api.stream(PATH, request, options, ResponseStreamInterpreter::new);
    }
}
