/**
 * {@code provider: gemini}: the Gemini API ({@code generateContent}, {@code streamGenerateContent?alt=sse},
 * {@code batchEmbedContents}) behind {@code /v1/chat/completions} and {@code /v1/embeddings}, with its
 * {@code google.rpc.Status} errors mapped by one table ({@link dev.sluice.gateway.upstream.gemini.GeminiError}).
 */
package dev.sluice.gateway.upstream.gemini;
