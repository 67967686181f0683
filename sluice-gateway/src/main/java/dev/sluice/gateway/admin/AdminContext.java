package dev.sluice.gateway.admin;

import dev.sluice.gateway.access.PolicyCache;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.CachingKeyLookup;

/**
 * What the access-administration endpoints share: the store, and the caches an admin change must invalidate so it
 * takes effect on this gateway at once (other gateways see it within the caches' one-second bound).
 */
public record AdminContext(AccessStore store, CachingKeyLookup keys, PolicyCache policies, ModelCatalog catalog,
                           java.time.Clock clock) {

    /** The audit actor of every change made through the admin API. */
    public static final String ACTOR = "admin";
}
