/**
 * The simulator's Anthropic flavor: {@code POST /v1/messages} with the Messages API's answers, SSE events, headers
 * and errors, driven by the same {@code x-sluice-sim} directives as the OpenAI routes.
 */
package dev.sluice.sim.internal.anthropic;
