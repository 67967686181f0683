package dev.sluice.gateway.limits;

/** An organization or project together with a model family: what one set of limits belongs to. */
record OwnerFamily(LimitScope scope, String ownerId, String family) {}
