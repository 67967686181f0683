/**
 * {@code provider: azure} — Azure OpenAI behind OpenAI's contract: deployment URLs with {@code api-version}, the
 * {@code api-key} or Entra ID credential, and Azure's error table (string codes, content filter).
 */
package dev.sluice.gateway.upstream.azure;
