/**
 * The load harness behind {@code ./sluice bench load}: it starts the standalone simulator, nginx {@code proxy_pass}
 * in front of it (when installed) and Sluice with the full pipeline as child processes on loopback, measures each with
 * wrk (closed loop, 1 and 64 connections), with an open-loop constant-rate generator (latency from the intended send
 * time, so coordinated omission is corrected), with N concurrent streams and from a cold start, and prints one table
 * with ratios against nginx and the bare simulator. {@code ./sluice bench load admission} ({@link
 * dev.sluice.bench.load.AdmissionCommand}) instead traces adaptive admission control while the upstream latency steps
 * up and back down: Sluice's admission gauges per interval beside the open-loop generator's answers. Pure parts
 * (parsing, schedule arithmetic, formatting) are unit tested; the measurements themselves never run in the test suite.
 */
package dev.sluice.bench.load;
