/**
 * The simulator's Azure OpenAI flavor: {@code /openai/deployments/{deployment}/chat/completions|embeddings
 * ?api-version=…} with Azure's headers and error bodies, driven by the same {@code x-sluice-sim} directives.
 */
package dev.sluice.sim.internal.azure;
