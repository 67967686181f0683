/**
 * The simulator: a deterministic OpenAI-compatible upstream with fault injection, so the gateway, the client SDK and
 * the benchmarks can be tested against a real HTTP server without an API bill. Start it with
 * {@link dev.sluice.sim.SimulatorServer#start}; the model catalogue is {@link dev.sluice.sim.SimModels}.
 */
package dev.sluice.sim;
