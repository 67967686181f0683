package dev.sluice.client;

import dev.sluice.client.internal.Json;
import dev.sluice.protocol.wire.Batch;
import dev.sluice.protocol.wire.ListPage;

import static dev.sluice.client.Models.encode;

/**
 * {@code /v1/batches}: create ({@link dev.sluice.protocol.wire.BatchCreateRequest} or any JSON object), retrieve,
 * list, cancel. For the whole round trip (JSONL, upload, poll, results by custom_id) use
 * {@link dev.sluice.client.batch.BatchHelper}.
 */
public final class Batches {
    private final Api api;

    Batches(Api api) {
        this.api = api;
    }

    public Batch create(Object request) {
        return create(request, RequestOptions.defaults());
    }

    public Batch create(Object request, RequestOptions options) {
        return api.json("POST", "/batches", request, Json.type(Batch.class), options);
    }

    public Batch retrieve(String id) {
        return api.json("GET", "/batches/" + encode(id), null, Json.type(Batch.class), RequestOptions.defaults());
    }

    public ListPage<Batch> list() {
        return api.json("GET", "/batches", null, Json.type(ListPage.class, Batch.class), RequestOptions.defaults());
    }

    public Batch cancel(String id) {
        return api.json("POST", "/batches/" + encode(id) + "/cancel", null, Json.type(Batch.class),
                RequestOptions.defaults());
    }
}
