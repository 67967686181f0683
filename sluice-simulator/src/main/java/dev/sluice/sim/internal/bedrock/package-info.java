/**
 * The simulator's AWS Bedrock flavor: {@code /model/{modelId}/converse}, {@code /model/{modelId}/converse-stream}
 * (binary {@code application/vnd.amazon.eventstream} frames, exception frames mid-stream) and
 * {@code /model/{modelId}/invoke} for Titan-style embeddings, with Bedrock's shapes and {@code x-amzn-ErrorType}
 * errors, driven by the same {@code x-sluice-sim} directives as the OpenAI routes. Requests must carry a
 * SigV4-shaped {@code Authorization} (or a Bedrock API key as bearer); signatures are not verified.
 */
package dev.sluice.sim.internal.bedrock;
