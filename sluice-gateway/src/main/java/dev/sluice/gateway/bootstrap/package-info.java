/**
 * Applies the {@code access:} section of sluice.yaml to the store at start-up ({@link
 * dev.sluice.gateway.bootstrap.AccessBootstrap}). Apart from {@code access} so that package does not depend on config.
 */
package dev.sluice.gateway.bootstrap;
