/**
 * The gateway's side of injected time: {@link dev.sluice.protocol.time.Timers} on Vert.x event loops, and the Caffeine
 * ticker built on {@link dev.sluice.protocol.time.Ticker#of(java.time.Clock)}.
 */
package dev.sluice.gateway.time;
