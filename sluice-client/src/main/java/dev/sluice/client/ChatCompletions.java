package dev.sluice.client;

import dev.sluice.client.internal.ChatStreamInterpreter;
import dev.sluice.client.internal.Json;
import dev.sluice.protocol.wire.ChatCompletion;
import dev.sluice.protocol.wire.ChatCompletionChunk;

import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/chat/completions}. The request is any JSON object: a
 * {@link dev.sluice.protocol.wire.ChatCompletionRequest}, a {@code Map}, a {@code JsonNode} or JSON text.
 */
public final class ChatCompletions {
    private static final String PATH = "/chat/completions";
    private final Api api;

    ChatCompletions(Api api) {
        this.api = api;
    }

    public ChatCompletion create(Object request) {
        return create(request, RequestOptions.defaults());
    }

    public ChatCompletion create(Object request, RequestOptions options) {
        return api.json("POST", PATH, request, Json.type(ChatCompletion.class), options);
    }

    /** Runs on a virtual thread; cancelling the future cancels the call and its retries. */
    public CompletableFuture<ChatCompletion> createAsync(Object request) {
        return createAsync(request, RequestOptions.defaults());
    }

    public CompletableFuture<ChatCompletion> createAsync(Object request, RequestOptions options) {
        return api.async(() -> create(request, options));
    }

    /**
     * Sends the request with {@code "stream": true}. Errors before the first byte are thrown here (and retried like
     * any call); errors after it come from the returned stream as {@link StreamException}.
     */
    public EventStream<ChatCompletionChunk> stream(Object request) {
        return stream(request, RequestOptions.defaults());
    }

    public EventStream<ChatCompletionChunk> stream(Object request, RequestOptions options) {
        return api.stream(PATH, request, options, ChatStreamInterpreter::new);
    }
}
