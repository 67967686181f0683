package dev.sluice.gateway.upstream.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Map;
import dev.sluice.protocol.retry.RetryAfter;

/**
 * {@code provider: anthropic} — the Messages API ({@code POST {base_url}/v1/messages}) behind
 * {@code /v1/chat/completions}: {@code x-api-key} credential, {@code anthropic-version} (the deployment's
 * {@code api_version}, default {@value #DEFAULT_VERSION}), request and answer translated by
 * {@link AnthropicMessages}, streams by {@link AnthropicStream}, errors by the {@link AnthropicError} table, limits
 * from {@code anthropic-ratelimit-*} (RFC 3339 resets), request id from {@code request-id}. {@code /v1/responses}
 * is served for text by {@link AnthropicResponses}. Anthropic has no embeddings or images: those requests go to
 * another deployment of the model, else get a 400.
 */
public final class AnthropicAdapter implements ProviderAdapter {
    static final String DEFAULT_VERSION = "2023-06-01";

    @Override
    public Provider provider() {
        return Provider.ANTHROPIC;
    }

    @Override
    public String url(Target t, Exchange ex) {
        if (ex.endpoint() != Endpoint.CHAT_COMPLETIONS && ex.endpoint() != Endpoint.RESPONSES) {
            throw ChatRequest.unsupported("model", "the " + ex.endpoint().route() + " endpoint is not available");
        }
        return t.baseUrl() + "/v1/messages";
    }

    @Override
    public Credentials.Style credentialStyle(Deployment deployment) {
        return Credentials.Style.X_API_KEY;
    }

    @Override
    public Request request(Target t, Exchange ex) {
        Request r = ProviderAdapter.super.request(t, ex);
        r.headers().put("anthropic-version", t.deployment().apiVersion() != null ? t.deployment().apiVersion()
                : DEFAULT_VERSION);
        return r;
    }

    @Override
    public Buffer translateRequest(Target t, Exchange ex) {
        int defaultMax = ex.model() != null && ex.model().maxOutputTokens() > 0 ? ex.model().maxOutputTokens() : 4096;
        if (ex.endpoint() == Endpoint.RESPONSES) {
            return Buffer.buffer(AnthropicResponses.request(ex.json(), t.upstreamModel(ex), defaultMax).toString());
        }
        return Buffer.buffer(AnthropicMessages.request(ChatRequest.read(ex.json()), t.upstreamModel(ex), defaultMax)
                .toString());
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
        if ("error".equals(root.path("type").asText())) {
            AnthropicError row = AnthropicError.of(0, root.path("error"));
            return new Answer.Failed(row.failure(root.path("error").path("message").asText(""),
                    context(t, ex, row), -1));
        }
        if (!"message".equals(root.path("type").asText()) || !root.path("content").isArray()) {
            return new Answer.Failed(Failure.garbage());
        }
        long created = t.clock().millis() / 1000;
        JsonNode completion = ex.endpoint() == Endpoint.RESPONSES
                ? AnthropicResponses.fromMessage(root, ex.modelId(), created)
                : AnthropicMessages.completion(root, ex.modelId(), created);
        return new Answer.Ok(Buffer.buffer(completion.toString()), completion);
    }

    @Override
    public boolean carriesError(JsonNode root) {
        return "error".equals(root.path("type").asText());
    }

    @Override
    public StreamTranslator streamTranslator(Target t, Exchange ex) {
        if (ex.endpoint() == Endpoint.RESPONSES) {
            return new AnthropicResponses.Stream(ex.modelId(), t.clock().millis() / 1000,
                    new Blame.Context(name(), t.deployment().name(), ex.modelId(), null, false));
        }
        boolean includeUsage = ex.json() != null && ex.json().path("stream_options").path("include_usage").asBoolean();
        return new AnthropicStream(ex.modelId(), t.clock().millis() / 1000, includeUsage,
                new Blame.Context(name(), t.deployment().name(), ex.modelId(), null, false));
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
            // not JSON: classified by status
        }
        AnthropicError row = AnthropicError.of(status, error);
        String message = error == null ? null : error.path("message").asText(null);
        return row.failure(message, new Blame.Context(name(), t.deployment().name(), model, row.type(), false),
                RetryAfter.millis(headers::get, t.clock().instant()));
    }

    @Override
    public ApiException error(int status, String body, String model, String deployment) {
        Target t = new Target(new Deployment(deployment, name(), null, null, null, 0), "", Map.of(),
                Clock.systemUTC());
        return failure(t, model, status, MultiMap.caseInsensitiveMultiMap(), body).error();
    }

    private Blame.Context context(Target t, Exchange ex, AnthropicError row) {
        return new Blame.Context(name(), t.deployment().name(), ex.modelId(), row.type(), false);
    }

    @Override
    public String requestId(MultiMap headers) {
        return headers.get("request-id");
    }

    @Override
    public ProviderLimits limits(MultiMap h, Clock clock) {
        return new ProviderLimits(window(h, "requests", clock), window(h, "tokens", clock));
    }

    private static ProviderLimits.Window window(MultiMap h, String kind, Clock clock) {
        long remaining = ProviderLimits.number(h.get("anthropic-ratelimit-" + kind + "-remaining"));
        if (remaining < 0) return null;
        long limit = ProviderLimits.number(h.get("anthropic-ratelimit-" + kind + "-limit"));
        long reset = -1;
        String at = h.get("anthropic-ratelimit-" + kind + "-reset");
        if (at != null) {
            try {
                reset = Math.max(0, OffsetDateTime.parse(at.trim()).toInstant().toEpochMilli() - clock.millis());
            } catch (RuntimeException unreadable) {
                reset = -1;
            }
        }
        return new ProviderLimits.Window(limit, remaining, reset);
    }
}
