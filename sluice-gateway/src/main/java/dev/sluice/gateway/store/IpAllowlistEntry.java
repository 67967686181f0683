package dev.sluice.gateway.store;

import java.time.Instant;

/**
 * One CIDR of an IP allowlist: the organization's own list when {@code projectId} is null, else the project's.
 *
 * @param cidr canonical form ({@code 10.0.0.0/8}, {@code 2001:db8::/32}); the caller canonicalizes before storing
 */
public record IpAllowlistEntry(String id, String orgId, String projectId, String cidr, Instant createdAt) {}
