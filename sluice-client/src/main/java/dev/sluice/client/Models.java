package dev.sluice.client;

import dev.sluice.client.internal.Json;
import dev.sluice.protocol.wire.ListPage;
import dev.sluice.protocol.wire.Model;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** {@code GET /v1/models[/{id}]}. */
public final class Models {
    private final Api api;

    Models(Api api) {
        this.api = api;
    }

    public ListPage<Model> list() {
        return api.json("GET", "/models", null, Json.type(ListPage.class, Model.class), RequestOptions.defaults());
    }

    public Model retrieve(String id) {
        return retrieve(id, RequestOptions.defaults());
    }

    public Model retrieve(String id, RequestOptions options) {
        return api.json("GET", "/models/" + encode(id), null, Json.type(Model.class), options);
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
