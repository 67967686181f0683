/**
 * The gateway's one home for Jackson configuration ({@link dev.sluice.gateway.json.Json}). A leaf package: it
 * depends on Jackson only, so every other package may use it without creating a package cycle.
 */
package dev.sluice.gateway.json;
