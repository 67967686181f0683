/**
 * The closed sets of values of sluice.yaml keys ({@code limits.store}, {@code log.format}, {@code provider}...), one
 * enum each, parsed in one place ({@link dev.sluice.gateway.config.choice.ConfigChoice}). A leaf package: it depends
 * on Jackson annotations only, so config, models and upstream all use it without a package cycle.
 */
package dev.sluice.gateway.config.choice;
