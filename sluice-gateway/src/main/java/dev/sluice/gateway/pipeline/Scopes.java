package dev.sluice.gateway.pipeline;


import java.util.Set;

/**
 * The scopes a restricted key can hold, and which one each endpoint needs. A key with no scopes is unrestricted.
 * <ul>
 *   <li>{@code model.request}: the model routes ({@code POST /v1/chat/completions}, {@code /v1/responses},
 *       {@code /v1/embeddings}, {@code /v1/images/generations})</li>
 *   <li>{@code model.read}: {@code GET /v1/models} and {@code GET /v1/models/{id}}</li>
 *   <li>{@code api.read}: every read-only ({@code GET}) endpoint — a read-only key</li>
 *   <li>{@code api.write}: every endpoint that is not a {@code GET}</li>
 * </ul>
 */
public final class Scopes {
    public static final String MODEL_REQUEST = "model.request";
    public static final String MODEL_READ = "model.read";
    public static final String API_READ = "api.read";
    public static final String API_WRITE = "api.write";
    public static final Set<String> ALL = Set.of(MODEL_REQUEST, MODEL_READ, API_READ, API_WRITE);

    private Scopes() {}

    /** The scope named in the error when a restricted key may not call {@code endpoint}. */
    public static String required(Endpoint endpoint, String method) {
        return switch (endpoint) {
            case CHAT_COMPLETIONS, RESPONSES, EMBEDDINGS, IMAGES -> MODEL_REQUEST;
            case MODELS_LIST, MODELS_GET -> MODEL_READ;
            // Routes added later fall back to the broad scopes until they name their own here.
            default -> isRead(method) ? API_READ : API_WRITE;
        };
    }

    /** Whether a key holding {@code scopes} may call {@code endpoint} with {@code method}. */
    public static boolean allows(Set<String> scopes, Endpoint endpoint, String method) {
        if (scopes == null || scopes.isEmpty()) return true;
        if (scopes.contains(required(endpoint, method))) return true;
        return scopes.contains(isRead(method) ? API_READ : API_WRITE);
    }

    private static boolean isRead(String method) {
        return "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method);
    }
}
