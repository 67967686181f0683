package dev.sluice.gateway.console;

import dev.sluice.gateway.batch.BatchService;
import dev.sluice.gateway.files.FileStorage;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.store.AuditLog;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.upstream.CircuitBreakers;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;

/**
 * What the console reads directly because the admin API does not expose it: the in-memory traffic series, the
 * usage ledger (months), breakers, the meters of admission control / Slow Down / rate limits, every project's
 * batches and the audit log.
 */
public record ConsoleData(TrafficSeries series, Database db, BatchService batches, FileStorage files,
                          CircuitBreakers breakers, ModelCatalog catalog, MeterRegistry metrics, AuditLog audit,
                          Runbook runbook, Clock clock, dev.sluice.gateway.limits.RateLimiter limiter) {}
