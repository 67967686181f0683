package dev.sluice.gateway.store;

import java.time.Instant;

/**
 * One administrative change: who did what to which object, with the details as a JSON object.
 *
 * @param target the id of the changed object (org, project, key…), or null for installation-wide changes
 */
public record AuditEntry(long id, Instant at, String actor, String action, String target, String detailJson) {}
