package dev.sluice.gateway;

import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Pipeline;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.stages.ApiKeyAuthentication;
import dev.sluice.gateway.stages.ContextWindow;
import dev.sluice.gateway.stages.KeyResolver;
import dev.sluice.gateway.stages.ModelListing;
import dev.sluice.gateway.stages.ModelResolution;
import dev.sluice.gateway.stages.RequestValidation;

import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The request path of every public route, as one ordered list per kind of route. Read this file first. */
final class Pipelines {
    private Pipelines() {}

    static Map<Endpoint, Pipeline> build(KeyResolver keys, Clock clock, ModelCatalog catalog, TokenCounter tokens,
                                         Stage upstreamCall, Stage filesApi, Stage batchesApi) {
        Stage authentication = new ApiKeyAuthentication(keys, clock);
        Pipeline modelRequest = new Pipeline(List.of(
                authentication,
                new RequestValidation(),
                new ModelResolution(catalog),
                new ContextWindow(tokens),
                upstreamCall));
        Pipeline modelCatalog = new Pipeline(List.of(
                authentication,
                new ModelListing(catalog)));
        Pipeline files = new Pipeline(List.of(
                authentication,
                filesApi));
        Pipeline batches = new Pipeline(List.of(
                authentication,
                batchesApi));
        Map<Endpoint, Pipeline> byEndpoint = new EnumMap<>(Endpoint.class);
        for (Endpoint e : Endpoint.values()) byEndpoint.put(e, e.modelRequest() ? modelRequest : modelCatalog);
        for (Endpoint e : List.of(Endpoint.FILES_UPLOAD, Endpoint.FILES_LIST, Endpoint.FILES_GET,
                Endpoint.FILES_DELETE, Endpoint.FILES_CONTENT)) byEndpoint.put(e, files);
        for (Endpoint e : List.of(Endpoint.BATCHES_CREATE, Endpoint.BATCHES_LIST, Endpoint.BATCHES_GET,
                Endpoint.BATCHES_CANCEL)) byEndpoint.put(e, batches);
        return byEndpoint;
    }
}
