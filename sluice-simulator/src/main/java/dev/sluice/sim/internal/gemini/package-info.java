/**
 * The simulator's Gemini API flavor: {@code /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent}
 * ({@code ?alt=sse}), {@code :embedContent} and {@code :batchEmbedContents}, with Gemini's request and answer shapes
 * and {@code google.rpc.Status} errors, driven by the same {@code x-sluice-sim} directives as the OpenAI routes.
 */
package dev.sluice.sim.internal.gemini;
