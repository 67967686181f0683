package dev.sluice.gateway;

import dev.sluice.gateway.access.CountryLookup;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Pipeline;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.stages.ApiKeyAuthentication;
import dev.sluice.gateway.stages.ContextWindow;
import dev.sluice.gateway.stages.IpAllowlist;
import dev.sluice.gateway.stages.KeyResolver;
import dev.sluice.gateway.stages.KeyScope;
import dev.sluice.gateway.stages.ModelAccess;
import dev.sluice.gateway.stages.ModelFallback;
import dev.sluice.gateway.stages.ModelListing;
import dev.sluice.gateway.stages.ModelResolution;
import dev.sluice.gateway.stages.OrganizationMembership;
import dev.sluice.gateway.stages.PolicyResolver;
import dev.sluice.gateway.stages.RegionPolicy;
import dev.sluice.gateway.stages.RequestHeadersMatch;
import dev.sluice.gateway.stages.RequestValidation;
import dev.sluice.gateway.traffic.TrafficStages;

import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The request path of every public route, as one ordered list per kind of route. Read this file first. */
final class Pipelines {
    private Pipelines() {}

    static Map<Endpoint, Pipeline> build(KeyResolver keys, PolicyResolver policies, CountryLookup countries,
                                         Clock clock, ModelCatalog catalog, TokenCounter tokens, Stage idempotency,
                                         Stage requestBody, Stage upstreamCall, Stage filesApi, Stage batchesApi) {
        return build(keys, policies, countries, clock, catalog, tokens, idempotency, TrafficStages.passThrough(),
                requestBody, upstreamCall, filesApi, batchesApi);
    }

    static Map<Endpoint, Pipeline> build(KeyResolver keys, PolicyResolver policies, CountryLookup countries,
                                         Clock clock, ModelCatalog catalog, TokenCounter tokens, Stage idempotency,
                                         TrafficStages traffic, Stage requestBody, Stage upstreamCall,
                                         Stage filesApi, Stage batchesApi) {
        // Who may call at all: the same checks, in the same order, in front of every route.
        List<Stage> access = List.of(
                new ApiKeyAuthentication(keys, clock),
                new OrganizationMembership(),
                new RequestHeadersMatch(),
                new KeyScope(),
                new IpAllowlist(policies),
                new RegionPolicy(policies, countries));
        // JSON bodies are read only after the access checks: a stranger's body is never buffered.
        Pipeline modelRequest = new Pipeline(then(access,
                requestBody,
                new RequestValidation(),
                new ModelResolution(catalog),
                new ModelAccess(policies),
                new ContextWindow(tokens, catalog),
                idempotency,
                traffic.quotaCheck(),
                traffic.rateLimits(),
                traffic.slowDownGuard(),
                traffic.admissionControl(),
                new ModelFallback(catalog, traffic.rateLimits()),
                upstreamCall));
        Pipeline modelCatalog = new Pipeline(then(access, new ModelListing(catalog, policies)));
        Pipeline files = new Pipeline(then(access, filesApi));
        Pipeline batches = new Pipeline(then(access, requestBody, batchesApi));
        Map<Endpoint, Pipeline> byEndpoint = new EnumMap<>(Endpoint.class);
        for (Endpoint e : Endpoint.values()) byEndpoint.put(e, e.modelRequest() ? modelRequest : modelCatalog);
        for (Endpoint e : List.of(Endpoint.FILES_UPLOAD, Endpoint.FILES_LIST, Endpoint.FILES_GET,
                Endpoint.FILES_DELETE, Endpoint.FILES_CONTENT)) byEndpoint.put(e, files);
        for (Endpoint e : List.of(Endpoint.BATCHES_CREATE, Endpoint.BATCHES_LIST, Endpoint.BATCHES_GET,
                Endpoint.BATCHES_CANCEL)) byEndpoint.put(e, batches);
        return byEndpoint;
    }

    private static List<Stage> then(List<Stage> first, Stage... rest) {
        List<Stage> all = new java.util.ArrayList<>(first);
        all.addAll(List.of(rest));
        return all;
    }
}
