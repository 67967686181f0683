/**
 * Sluice's durable state: organizations, users and memberships, projects, service accounts, API keys (stored only
 * as a SHA-256 hash and a masked form), the audit log and a few persistent settings, over SQLite (embedded default)
 * or PostgreSQL (scale-out), with the schema kept by Flyway migrations for both.
 *
 * <p>Everything here is blocking JDBC and knows nothing of Vert.x: callers run it on worker threads. Open one
 * {@link dev.sluice.gateway.store.Database} per process, build an {@link dev.sluice.gateway.store.AccessStore} on it,
 * and put {@link dev.sluice.gateway.store.CachingKeyLookup} in front of key authentication so the hot path does not
 * touch the database.
 */
package dev.sluice.gateway.store;
