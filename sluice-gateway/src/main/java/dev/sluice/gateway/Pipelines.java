package dev.sluice.gateway;

import dev.sluice.gateway.access.CountryLookup;
import dev.sluice.gateway.batch.LiveTraffic;
import dev.sluice.gateway.batch.LiveTrafficMetering;
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
import dev.sluice.gateway.stages.UsageRecording;
import dev.sluice.gateway.traffic.TrafficStages;
import dev.sluice.gateway.usage.UsageSink;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The request path of every public route, as one ordered list per kind of route: every concern that runs per request
 * is listed here, in order, including the ones that act once the request has ended (usage recording, limit
 * corrections, the admission slot, live-traffic metering). Read this file first.
 */
final class Pipelines {
    private Pipelines() {}

    /**
     * What the pipelines are built from.
     *
     * @param idempotency  the Idempotency-Key stage (its store is chosen by configuration)
     * @param traffic      quota, rate limits, slow-down guard and admission control ({@link TrafficStages#passThrough})
     * @param requestBody  reads JSON bodies after the access checks
     * @param usage        where each model request's usage record goes once it has ended
     * @param liveTraffic  what batch runners read to yield to live requests
     * @param upstreamCall the terminal stage of model requests
     */
    record Parts(KeyResolver keys, PolicyResolver policies, CountryLookup countries, Clock clock, ModelCatalog catalog,
                 TokenCounter tokens, Stage idempotency, TrafficStages traffic, Stage requestBody, UsageSink usage,
                 LiveTraffic liveTraffic, Stage upstreamCall, Stage filesApi, Stage batchesApi) {}

    static Map<Endpoint, Pipeline> build(Parts p) {
        // Who may call at all: the same checks, in the same order, in front of every route.
        List<Stage> access = List.of(
                new ApiKeyAuthentication(p.keys(), p.clock()),
                new OrganizationMembership(),
                new RequestHeadersMatch(),
                new KeyScope(),
                new IpAllowlist(p.policies()),
                new RegionPolicy(p.policies(), p.countries()));
        // JSON bodies are read only after the access checks: a stranger's body is never buffered.
        Pipeline modelRequest = new Pipeline(then(access,
                new UsageRecording(p.usage(), p.clock()),
                p.requestBody(),
                new RequestValidation(),
                new ModelResolution(p.catalog()),
                new ModelAccess(p.policies()),
                new ContextWindow(p.tokens(), p.catalog()),
                p.idempotency(),
                p.traffic().quotaCheck(),
                p.traffic().rateLimits(),
                p.traffic().slowDownGuard(),
                p.traffic().admissionControl(),
                new ModelFallback(p.catalog(), p.traffic().rateLimits()),
                new LiveTrafficMetering(p.liveTraffic()),
                p.upstreamCall()));
        Pipeline modelCatalog = new Pipeline(then(access, new ModelListing(p.catalog(), p.policies())));
        Pipeline files = new Pipeline(then(access, p.filesApi()));
        Pipeline batches = new Pipeline(then(access, p.requestBody(), p.batchesApi()));
        Map<Endpoint, Pipeline> byEndpoint = new EnumMap<>(Endpoint.class);
        for (Endpoint e : Endpoint.values()) byEndpoint.put(e, e.modelRequest() ? modelRequest : modelCatalog);
        for (Endpoint e : List.of(Endpoint.FILES_UPLOAD, Endpoint.FILES_LIST, Endpoint.FILES_GET,
                Endpoint.FILES_DELETE, Endpoint.FILES_CONTENT)) byEndpoint.put(e, files);
        for (Endpoint e : List.of(Endpoint.BATCHES_CREATE, Endpoint.BATCHES_LIST, Endpoint.BATCHES_GET,
                Endpoint.BATCHES_CANCEL)) byEndpoint.put(e, batches);
        return byEndpoint;
    }

    private static List<Stage> then(List<Stage> first, Stage... rest) {
        List<Stage> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return all;
    }
}
