/**
 * The contract shared by the gateway, the client SDK and the CLI: the error catalogue ({@link dev.sluice.protocol.ErrorKind}),
 * the error record, request ids, OpenAI durations, key masking, header names and the SSE codec. Jackson only.
 */
package dev.sluice.protocol;
