/**
 * Who may call what, from where: client addresses behind trusted proxies, CIDRs, the CIDR→country table, key scopes,
 * the compiled per-project {@link dev.sluice.gateway.access.AccessPolicy} and its cache, and the declarative
 * bootstrap of the access model from {@code sluice.yaml}. The pipeline stages that enforce these live in
 * {@code dev.sluice.gateway.stages}.
 */
package dev.sluice.gateway.access;
