package dev.sluice.gateway.stages;

import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.access.CountryLookup;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * Refuses requests from a country, region or territory on the installation's or the organization's unsupported
 * list (403 unsupported_country_region_territory). The country comes from {@link CountryLookup}; an unknown
 * country is served, since the policy lists what is refused.
 */
public final class RegionPolicy implements Stage, RequestPolicy.Check {
    private final PolicyResolver policies;
    private final CountryLookup countries;

    public RegionPolicy(PolicyResolver policies, CountryLookup countries) {
        this.policies = policies;
        this.countries = countries;
    }

    @Override
    public StageOrder order() {
        return StageOrder.REGION_POLICY;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        return RequestPolicy.apply(ex, policies, this, next);
    }

    @Override
    public Future<Answer> check(AccessPolicy p, Exchange ex, Chain next) {
        if (p.unsupportedCountries().isEmpty()) return next.proceed(ex);
        String country = countries.country(ex.clientAddress(), ex::header);
        if (!p.supports(country)) return Future.failedFuture(ApiException.of(ErrorKind.UNSUPPORTED_COUNTRY));
        return next.proceed(ex);
    }
}
