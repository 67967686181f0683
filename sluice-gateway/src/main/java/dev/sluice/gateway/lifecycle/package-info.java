/**
 * The gateway's life after start: graceful drain on SIGTERM ({@link dev.sluice.gateway.lifecycle.InFlightRequests},
 * {@link dev.sluice.gateway.lifecycle.Signals}) and hot reload of the model catalogue and traffic defaults
 * ({@link dev.sluice.gateway.lifecycle.ConfigReloader}). See docs/operations.md.
 */
package dev.sluice.gateway.lifecycle;
