package dev.sluice.gateway.upstream.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.Credentials;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.config.choice.Provider;
import dev.sluice.gateway.upstream.ProviderAdapter;
import dev.sluice.gateway.upstream.SseRelay;
import dev.sluice.gateway.upstream.StreamTranslator;
import dev.sluice.gateway.upstream.UpstreamErrors;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.sluice.protocol.retry.RetryAfter;

/**
 * {@code provider: azure} — Azure OpenAI: {@code POST {base_url}/openai/deployments/{model}/chat/completions|embeddings
 * ?api-version={api_version}} where {@code model} is the Azure deployment name; the credential in {@code api-key}
 * ({@code auth: api-key}, the default) or as an Entra ID bearer token ({@code auth: entra}); bodies and answers are
 * OpenAI's (Azure's {@code prompt_filter_results}-only stream chunks are dropped, {@code finish_reason:
 * content_filter} passes through); errors by the {@link AzureError} table; request id from {@code apim-request-id};
 * Azure's {@code x-ratelimit-remaining-*} passed on when tighter.
 */
public final class AzureAdapter implements ProviderAdapter {
    /** The GA API version used when a deployment sets none. */
    public static final String DEFAULT_API_VERSION = "2024-10-21";

    @Override
    public Provider provider() {
        return Provider.AZURE;
    }

    @Override
    public String url(Target t, Exchange ex) {
        String op = switch (ex.endpoint()) {
            case CHAT_COMPLETIONS -> "chat/completions";
            case EMBEDDINGS -> "embeddings";
            default -> throw ChatRequest.unsupported("model", "the " + ex.endpoint().route() + " endpoint is not "
                    + "available");
        };
        String version = t.deployment().apiVersion() != null ? t.deployment().apiVersion() : DEFAULT_API_VERSION;
        return t.baseUrl() + "/openai/deployments/" + URLEncoder.encode(t.upstreamModel(ex), StandardCharsets.UTF_8)
                + "/" + op + "?api-version=" + version;
    }

    @Override
    public Credentials.Style credentialStyle(Deployment deployment) {
        return "entra".equals(deployment.auth()) ? Credentials.Style.BEARER : Credentials.Style.API_KEY;
    }

    @Override
    public boolean carriesError(JsonNode root) {
        return ErrorBodies.carriesError(root);
    }

    @Override
    public StreamTranslator streamTranslator(Target t, Exchange ex) {
        return new StreamTranslator() {
            private final SseRelay relay = new SseRelay();

            @Override
            public List<Item> feed(Buffer bytes) {
                return withoutFilterOnlyChunks(relay.feed(bytes));
            }

            @Override
            public List<Item> end() {
                return withoutFilterOnlyChunks(relay.end());
            }
        };
    }

    /** Azure's first chunk carries only {@code prompt_filter_results} and no choices: not OpenAI's, so dropped. */
    static List<StreamTranslator.Item> withoutFilterOnlyChunks(List<StreamTranslator.Item> items) {
        List<StreamTranslator.Item> out = new ArrayList<>(items.size());
        for (StreamTranslator.Item item : items) {
            if (item instanceof StreamTranslator.Event e && e.event().data() != null
                    && e.event().data().contains("\"prompt_filter_results\"")) {
                try {
                    JsonNode n = JSON.readTree(e.event().data());
                    if (n.path("choices").isEmpty() && !n.hasNonNull("usage")) continue;
                } catch (Exception notJson) {
                    // relayed as is
                }
            }
            out.add(item);
        }
        return out;
    }

    @Override
    public Failure failure(Target t, Exchange ex, int status, MultiMap headers, String body) {
        return failure(t, ex.modelId(), status, headers, body);
    }

    private Failure failure(Target t, String model, int status, MultiMap headers, String body) {
        JsonNode error = null;
        try {
            JsonNode root = JSON.readTree(body == null ? "" : body);
            if (root != null && root.get("error") != null && root.get("error").isObject()) error = root.get("error");
        } catch (Exception ignored) {
            // not JSON: classified by status
        }
        AzureError row = AzureError.of(status, error);
        Blame.Context c = new Blame.Context(name(), t.deployment().name(), model,
                error == null ? "status " + status : error.path("code").asText("status " + status),
                row == AzureError.UNAVAILABLE);
        String message = error == null ? null : error.path("message").asText(null);
        long retryAfter = RetryAfter.millis(headers::get, t.clock().instant());
        return switch (row) {
            case OPENAI_SHAPED -> {
                ApiException e = UpstreamErrors.fromStatus(status, body, model, t.deployment().name());
                yield new Failure(e, Failure.Next.STOP, Failure.Health.ALIVE, -1);
            }
            case CONTENT_FILTER -> new Failure(new ApiException(ErrorKind.CONTENT_FILTERED, new ApiError(
                    message == null ? ErrorKind.CONTENT_FILTERED.error().message() : message,
                    ErrorKind.CONTENT_FILTERED.type(), error.hasNonNull("param") ? error.get("param").asText() : "prompt",
                    ErrorKind.CONTENT_FILTERED.code())), Failure.Next.STOP, Failure.Health.ALIVE, -1);
            case BAD_REQUEST -> row.blame().failure(row.kind(), message, null, c, -1, false);
            default -> row.blame().failure(row.kind(), message, null, c, retryAfter, false);
        };
    }

    @Override
    public ApiException error(int status, String body, String model, String deployment) {
        Target t = new Target(new Deployment(deployment, name(), null, null, null, 0), "", Map.of(),
                Clock.systemUTC());
        return failure(t, model, status, MultiMap.caseInsensitiveMultiMap(), body).error();
    }

    @Override
    public String requestId(MultiMap headers) {
        return Optional.ofNullable(headers.get("apim-request-id")).orElse(headers.get("x-request-id"));
    }
}
