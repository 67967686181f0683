package dev.sluice.gateway.usage;

/**
 * Everything known about one finished public request, refusals included, handed to {@link RequestObserver}s once.
 *
 * @param route          the matched route template ({@code /v1/chat/completions}), or {@code unmatched}
 * @param endpoint       the pipeline endpoint name, null for an unmatched route
 * @param modelRequest   a request to a model (chat, responses, embeddings, images)
 * @param model          the catalogue model the request resolved to, null when it resolved to none
 * @param provider       the provider of the deployment that answered last, null when no upstream was tried
 * @param deployment     the deployment that answered last, null when no upstream was tried
 * @param responseModel  the upstream model name of that deployment, null when none
 * @param errorCode      the contract code (or type when it has no code), null on success
 * @param errorType      the contract type, null on success
 * @param latencyNanos   from the first handler to the end of the answer
 * @param firstByteNanos to a stream's first event (time to first token), -1 when not a started stream
 * @param projectId      the calling project, null before authentication
 * @param refusedBy      the rate limit that refused ({@code rpm/project}), null when none did
 * @param replay         the answer was a stored Idempotency-Key replay
 */
public record FinishedRequest(String method, String route, String endpoint, boolean modelRequest, int status,
                              String errorCode, String errorType, long latencyNanos, long firstByteNanos,
                              int promptTokens, int completionTokens, int attempts, boolean stream,
                              boolean streamFailed, String model, String provider, String deployment,
                              String responseModel, String projectId, String refusedBy,
                              boolean replay) {}
