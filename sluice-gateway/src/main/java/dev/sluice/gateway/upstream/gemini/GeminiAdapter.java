package dev.sluice.gateway.upstream.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.Credentials;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.config.choice.Provider;
import dev.sluice.gateway.upstream.ProviderAdapter;
import dev.sluice.gateway.upstream.ProviderLimits;
import dev.sluice.gateway.upstream.StreamTranslator;
import dev.sluice.protocol.Headers;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.time.Clock;
import java.util.Map;
import dev.sluice.protocol.retry.RetryAfter;

/**
 * {@code provider: gemini} — the Gemini API ({@code {base_url}/{api_version}/models/{model}:generateContent},
 * {@code :streamGenerateContent?alt=sse}, {@code :batchEmbedContents}; {@code api_version} default
 * {@value #DEFAULT_VERSION}) behind {@code /v1/chat/completions} and {@code /v1/embeddings}: {@code x-goog-api-key}
 * credential, bodies translated by {@link GeminiContents}, streams by {@link GeminiStream}, errors by the
 * {@link GeminiError} table. Gemini sends no request-id or rate-limit headers: the answer's {@code responseId} is kept
 * as the upstream request id, and Sluice's own limits stand. The Responses API and images are not translated.
 */
public final class GeminiAdapter implements ProviderAdapter {
    static final String DEFAULT_VERSION = "v1beta";

    @Override
    public Provider provider() {
        return Provider.GEMINI;
    }

    @Override
    public String url(Target t, Exchange ex) {
        String version = t.deployment().apiVersion() != null ? t.deployment().apiVersion() : DEFAULT_VERSION;
        String base = t.baseUrl() + "/" + version + "/models/" + t.upstreamModel(ex);
        return switch (ex.endpoint()) {
            case CHAT_COMPLETIONS -> base + (ex.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
            case EMBEDDINGS -> base + ":batchEmbedContents";
            default -> throw ChatRequest.unsupported("model", "the " + ex.endpoint().route() + " endpoint is not "
                    + "available");
        };
    }

    @Override
    public Credentials.Style credentialStyle(Deployment deployment) {
        return Credentials.Style.X_GOOG_API_KEY;
    }

    @Override
    public Buffer translateRequest(Target t, Exchange ex) {
        ObjectNode body = ex.endpoint() == Endpoint.EMBEDDINGS
                ? GeminiContents.embedRequest(ex.json(), t.upstreamModel(ex))
                : GeminiContents.request(ChatRequest.read(ex.json()));
        return Buffer.buffer(body.toString());
    }

    @Override
    public Answer translateResponse(Target t, Exchange ex, Buffer body) {
        JsonNode root;
        try {
            root = JSON.readTree(body.getBytes());
        } catch (Exception e) {
            return new Answer.Failed(Failure.garbage());
        }
        if (root == null || !root.isObject()) return new Answer.Failed(Failure.garbage());
        if (root.has("error")) {
            GeminiError row = GeminiError.of(0, root.get("error"));
            return new Answer.Failed(row.failure(root.path("error").path("message").asText(""),
                    context(t, ex.modelId(), row), GeminiError.retryDelayMs(root.get("error"))));
        }
        ObjectNode answer;
        if (ex.endpoint() == Endpoint.EMBEDDINGS) {
            if (!root.path("embeddings").isArray()) return new Answer.Failed(Failure.garbage());
            answer = GeminiContents.embeddings(root, ex.modelId(),
                    "base64".equals(ex.json().path("encoding_format").asText()), ex.promptTokens());
        } else {
            if (!root.has("candidates") && !root.has("promptFeedback")) return new Answer.Failed(Failure.garbage());
            String responseId = root.path("responseId").asText("");
            if (!responseId.isEmpty()) {
                ex.responseHeaders().set(Headers.UPSTREAM_REQUEST_ID, responseId);
                ex.upstreamRequestId(responseId);
            }
            answer = GeminiContents.completion(root, "chatcmpl-" + ex.requestId().substring(4), ex.modelId(),
                    t.clock().millis() / 1000);
        }
        return new Answer.Ok(Buffer.buffer(answer.toString()), answer);
    }

    @Override
    public boolean carriesError(JsonNode root) {
        return root.has("error");
    }

    @Override
    public StreamTranslator streamTranslator(Target t, Exchange ex) {
        boolean includeUsage = ex.json() != null && ex.json().path("stream_options").path("include_usage").asBoolean();
        return new GeminiStream("chatcmpl-" + ex.requestId().substring(4), ex.modelId(), t.clock().millis() / 1000,
                includeUsage, new Blame.Context(name(), t.deployment().name(), ex.modelId(), null, false));
    }

    @Override
    public Failure failure(Target t, Exchange ex, int status, MultiMap headers, String body) {
        return failure(t, ex.modelId(), status, headers, body);
    }

    private Failure failure(Target t, String model, int status, MultiMap headers, String body) {
        JsonNode error = null;
        try {
            JsonNode root = JSON.readTree(body == null ? "" : body);
            if (root != null) error = root.get("error");
        } catch (Exception ignored) {
            // not JSON (a proxy's page): classified by status
        }
        GeminiError row = GeminiError.of(status, error);
        long wait = GeminiError.retryDelayMs(error);
        if (wait < 0) wait = RetryAfter.millis(headers::get, t.clock().instant());
        return row.failure(error == null ? null : error.path("message").asText(null), context(t, model, row), wait);
    }

    private Blame.Context context(Target t, String model, GeminiError row) {
        return new Blame.Context(name(), t.deployment().name(), model, row.status(), false);
    }

    @Override
    public ApiException error(int status, String body, String model, String deployment) {
        Target t = new Target(new Deployment(deployment, name(), null, null, null, 0), "", Map.of(),
                Clock.systemUTC());
        return failure(t, model, status, MultiMap.caseInsensitiveMultiMap(), body).error();
    }

    @Override
    public String requestId(MultiMap headers) {
        return null;
    }

    @Override
    public ProviderLimits limits(MultiMap headers, Clock clock) {
        return ProviderLimits.NONE;
    }
}
