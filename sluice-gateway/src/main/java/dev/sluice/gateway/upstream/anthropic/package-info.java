/**
 * {@code provider: anthropic} — the Anthropic Messages API behind OpenAI's chat contract: request and answer
 * translation, the SSE stream translator, and the error table.
 */
package dev.sluice.gateway.upstream.anthropic;
