package dev.sluice.gateway.quota;

import java.time.Instant;

/** Prepaid credit given to an organization or project. */
record CreditGrant(String id, Owner owner, long amountNanos, String note, Instant createdAt) {}
