/**
 * Wiring of everything that decides whether a request may go upstream now: quotas, rate limits, Slow Down and
 * admission control ({@link dev.sluice.gateway.traffic.TrafficControl} builds them from config, keeps their settings
 * fresh and owns their stores), and the stages it hands to {@code Pipelines}.
 */
package dev.sluice.gateway.traffic;
