/**
 * {@code provider: bedrock}: AWS Bedrock's Converse and ConverseStream ({@code application/vnd.amazon.eventstream})
 * behind {@code /v1/chat/completions}, Titan text embeddings (InvokeModel) behind {@code /v1/embeddings}, requests
 * signed with SigV4 ({@link dev.sluice.protocol.aws.SigV4}), errors mapped by one table
 * ({@link dev.sluice.gateway.upstream.bedrock.BedrockError}).
 */
package dev.sluice.gateway.upstream.bedrock;
