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
import dev.sluice.gateway.traffic.TrafficStages;

import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The request path of every public route, as one ordered list per kind of route. Read this file first. */
final class Pipelines {
    private Pipelines() {}

    static Map<Endpoint, Pipeline> build(KeyResolver keys, Clock clock, ModelCatalog catalog, TokenCounter tokens,
                                         Stage upstreamCall) {
        return build(keys, clock, catalog, tokens, TrafficStages.passThrough(), upstreamCall);
    }

    static Map<Endpoint, Pipeline> build(KeyResolver keys, Clock clock, ModelCatalog catalog, TokenCounter tokens,
                                         TrafficStages traffic, Stage upstreamCall) {
        Stage authentication = new ApiKeyAuthentication(keys, clock);
        Pipeline modelRequest = new Pipeline(List.of(
                authentication,
                new RequestValidation(),
                new ModelResolution(catalog),
                new ContextWindow(tokens),
                traffic.quotaCheck(),
                traffic.rateLimits(),
                traffic.slowDownGuard(),
                traffic.admissionControl(),
                upstreamCall));
        Pipeline modelCatalog = new Pipeline(List.of(
                authentication,
                new ModelListing(catalog)));
        Map<Endpoint, Pipeline> byEndpoint = new EnumMap<>(Endpoint.class);
        for (Endpoint e : Endpoint.values()) byEndpoint.put(e, e.modelRequest() ? modelRequest : modelCatalog);
        return byEndpoint;
    }
}
