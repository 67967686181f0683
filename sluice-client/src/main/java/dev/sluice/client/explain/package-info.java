/**
 * {@code sluice explain}: from a status code, an error body or a saved raw response, the catalogue row, its cause,
 * whether and when to retry, what to fix, and the request id. Pure functions; the CLI only prints.
 */
package dev.sluice.client.explain;
