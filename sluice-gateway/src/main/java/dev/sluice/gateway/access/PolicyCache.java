package dev.sluice.gateway.access;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.IpAllowlists;
import dev.sluice.gateway.store.ModelAccessRules;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The access policies of projects, kept in memory (Caffeine) so the request path reads no table: three indexed
 * queries on a miss, then nothing until the entry is refreshed in the background (after half of
 * {@code maxStaleness}) or dropped (at {@code maxStaleness}, 1 s by default). A change made through this gateway's
 * admin API invalidates at once; one made by another gateway on the same database is seen within the bound.
 */
public final class PolicyCache {
    public static final Duration DEFAULT_MAX_STALENESS = Duration.ofSeconds(1);

    private record Scope(String orgId, String projectId) {}

    private final LoadingCache<Scope, AccessPolicy> cache;

    public PolicyCache(AccessStore store, Duration maxStaleness, Ticker ticker, Executor refreshExecutor) {
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(refreshExecutor)
                .maximumSize(100_000)
                .expireAfterWrite(maxStaleness)
                .refreshAfterWrite(maxStaleness.dividedBy(2))
                .build(s -> load(store, s));
    }

    private static AccessPolicy load(AccessStore store, Scope s) {
        IpAllowlists.Lists ips = store.ipAllowlists().forRequest(s.orgId(), s.projectId());
        Set<String> countries = store.regionPolicies().forRequest(s.orgId());
        ModelAccessRules.Lists models = store.modelAccess().forRequest(s.orgId(), s.projectId());
        return new AccessPolicy(cidrs(ips.organization()), cidrs(ips.project()), countries, models.visible(),
                models.organizationAllowed(), models.projectAllowed());
    }

    private static List<Cidr> cidrs(Set<String> stored) {
        return stored.stream().map(Cidr::parse).toList();
    }

    /** The cached policy, or null on a miss; never touches the database (a due refresh runs in the background). */
    public AccessPolicy peek(String orgId, String projectId) {
        return cache.getIfPresent(new Scope(orgId, projectId));
    }

    /** The policy, loading it on a miss (blocking: call from a worker thread). */
    public AccessPolicy find(String orgId, String projectId) {
        return cache.get(new Scope(orgId, projectId));
    }

    /** Forgets every policy, after an admin change, so the next request reads the new state. */
    public void invalidateAll() {
        cache.invalidateAll();
    }
}
