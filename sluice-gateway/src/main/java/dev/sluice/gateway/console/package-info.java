/**
 * The admin console: server-rendered pages under {@code /console} on the admin port, signed in with the admin token
 * (server-side sessions, CSRF token and same-origin check on every change). Changes go through the admin API itself
 * ({@link dev.sluice.gateway.console.AdminCalls}), so the console validates exactly as the API does; what the API does
 * not expose (traffic series, breakers, batches across projects, the audit log) is read from the services directly.
 */
package dev.sluice.gateway.console;
