package dev.sluice.gateway.upstream.bedrock;

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
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.aws.SigV4;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.sluice.protocol.retry.RetryAfter;

/**
 * {@code provider: bedrock} — AWS Bedrock runtime ({@code {base_url}/model/{modelId}/converse},
 * {@code /converse-stream}, and {@code /invoke} for Titan text embeddings; {@code base_url} defaults to
 * {@code https://bedrock-runtime.{region}.amazonaws.com}) behind {@code /v1/chat/completions} and
 * {@code /v1/embeddings}. Every attempt is signed with SigV4 (service {@code bedrock}, the deployment's
 * {@code region}) using the keys {@link AwsKeys} reads; bodies are translated by {@link BedrockConverse}, streams by
 * {@link BedrockStream}, errors by the {@link BedrockError} table; {@code x-amzn-RequestId} is the upstream request
 * id. Bedrock sends no rate-limit headers, so Sluice's own limits stand.
 */
public final class BedrockAdapter implements ProviderAdapter {
    static final String SERVICE = "bedrock";
    private static final Logger ALERT = LoggerFactory.getLogger("sluice.alert");
    private static final Pattern REGION_HOST =
            Pattern.compile("bedrock-runtime(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com");

    @Override
    public Provider provider() {
        return Provider.BEDROCK;
    }

    @Override
    public String url(Target t, Exchange ex) {
        String base = t.baseUrl() + "/model/" + SigV4.encode(t.upstreamModel(ex));
        return switch (ex.endpoint()) {
            case CHAT_COMPLETIONS -> base + (ex.stream() ? "/converse-stream" : "/converse");
            case EMBEDDINGS -> base + "/invoke";
            default -> throw ChatRequest.unsupported("model", "the " + ex.endpoint().route() + " endpoint is not "
                    + "available");
        };
    }

    /** {@code auth: api-key}: a Bedrock API key ({@code api_key_env} / {@code api_key_file}) as bearer, unsigned. */
    static boolean apiKey(Deployment d) {
        return "api-key".equals(d.auth());
    }

    @Override
    public Credentials.Style credentialStyle(Deployment deployment) {
        return apiKey(deployment) ? Credentials.Style.BEARER : Credentials.Style.NONE;
    }

    @Override
    public Buffer translateRequest(Target t, Exchange ex) {
        ObjectNode body = ex.endpoint() == Endpoint.EMBEDDINGS ? BedrockConverse.embedRequest(ex.json())
                : BedrockConverse.request(ChatRequest.read(ex.json()));
        return Buffer.buffer(body.toString());
    }

    /** SigV4 over the finished request, at the call's clock; AWS does not know the caller's Idempotency-Key. */
    @Override
    public Request sign(Request r, Target t) {
        if (apiKey(t.deployment())) {
            if (!r.headers().containsKey("authorization")) {
                ALERT.error("no Bedrock API key for deployment={} provider=bedrock (set {} or api_key_file)",
                        t.deployment().name(), t.deployment().apiKeyEnv());
                throw ApiException.of(ErrorKind.BAD_GATEWAY);
            }
            return new Request(r.method(), r.url(), awsHeaders(r), r.body());
        }
        SigV4.Credentials keys = AwsKeys.of(t.deployment(), t.env()).orElseThrow(() -> {
            ALERT.error("no AWS credentials for deployment={} provider=bedrock (set {}_ACCESS_KEY_ID and "
                    + "{}_SECRET_ACCESS_KEY, or api_key_file)", t.deployment().name(), prefix(t), prefix(t));
            return ApiException.of(ErrorKind.BAD_GATEWAY);
        });
        Map<String, String> h = awsHeaders(r);
        URI uri = URI.create(r.url());
        SigV4.Signature s = SigV4.sign(new SigV4.Request(r.method(), uri.getRawAuthority(), uri.getRawPath(),
                uri.getRawQuery(), h, r.body().getBytes()), keys, region(t), SERVICE, t.clock().instant());
        h.putAll(s.headers());
        return new Request(r.method(), r.url(), h, r.body());
    }

    /** The request's headers as AWS takes them: eventstream accepted for streams, no Idempotency-Key. */
    private static Map<String, String> awsHeaders(Request r) {
        Map<String, String> h = new LinkedHashMap<>();
        r.headers().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("idempotency-key")) h.put(k, v);
        });
        if ("text/event-stream".equals(h.get("accept"))) h.put("accept", "application/vnd.amazon.eventstream");
        return h;
    }

    private static String prefix(Target t) {
        return t.deployment().apiKeyEnv() == null ? AwsKeys.DEFAULT_PREFIX : t.deployment().apiKeyEnv();
    }

    /** The deployment's {@code region}, else the one in a {@code bedrock-runtime.{region}.amazonaws.com} URL. */
    static String region(Target t) {
        if (t.deployment().region() != null) return t.deployment().region();
        Matcher m = REGION_HOST.matcher(t.baseUrl());
        return m.find() ? m.group(1) : "us-east-1";
    }

    @Override
    public Answer translateResponse(Target t, Exchange ex, Buffer body) {
        JsonNode root;
        try {
            root = JSON.readTree(body.getBytes());
        } catch (Exception e) {
            return new Answer.Failed(Failure.garbage());
        }
        if (root == null || !root.isObject() || carriesError(root)) return new Answer.Failed(Failure.garbage());
        ObjectNode answer;
        if (ex.endpoint() == Endpoint.EMBEDDINGS) {
            if (!root.path("embedding").isArray()) return new Answer.Failed(Failure.garbage());
            answer = BedrockConverse.embeddings(root, ex.modelId(),
                    "base64".equals(ex.json().path("encoding_format").asText()));
        } else {
            if (!root.path("output").path("message").isObject()) return new Answer.Failed(Failure.garbage());
            answer = BedrockConverse.completion(root, "chatcmpl-" + ex.requestId().substring(4), ex.modelId(),
                    t.clock().millis() / 1000);
        }
        return new Answer.Ok(Buffer.buffer(answer.toString()), answer);
    }

    @Override
    public boolean carriesError(JsonNode root) {
        return root.has("__type") || root.has("message") && !root.has("output") && !root.has("embedding");
    }

    @Override
    public StreamTranslator streamTranslator(Target t, Exchange ex) {
        boolean includeUsage = ex.json() != null && ex.json().path("stream_options").path("include_usage").asBoolean();
        return new BedrockStream("chatcmpl-" + ex.requestId().substring(4), ex.modelId(), t.clock().millis() / 1000,
                includeUsage, new Blame.Context(name(), t.deployment().name(), ex.modelId(), null, false));
    }

    @Override
    public Failure failure(Target t, Exchange ex, int status, MultiMap headers, String body) {
        return failure(t, ex.modelId(), status, headers, body);
    }

    private Failure failure(Target t, String model, int status, MultiMap headers, String body) {
        String type = headers.get("x-amzn-ErrorType");
        String message = null;
        try {
            JsonNode root = JSON.readTree(body == null ? "" : body);
            if (root != null && root.isObject()) {
                if (type == null) type = root.path("__type").asText(root.path("code").asText(null));
                message = root.path("message").asText(root.path("Message").asText(null));
            }
        } catch (Exception ignored) {
            // not JSON: classified by the header or the status
        }
        BedrockError row = BedrockError.of(status, type, message);
        return row.failure(message, new Blame.Context(name(), t.deployment().name(), model, row.type(), false),
                RetryAfter.millis(headers::get, t.clock().instant()));
    }

    @Override
    public ApiException error(int status, String body, String model, String deployment) {
        Target t = new Target(new Deployment(deployment, name(), null, null, null, 0), "", Map.of(),
                Clock.systemUTC());
        return failure(t, model, status, MultiMap.caseInsensitiveMultiMap(), body).error();
    }

    @Override
    public String requestId(MultiMap headers) {
        return headers.get("x-amzn-RequestId");
    }

    @Override
    public ProviderLimits limits(MultiMap headers, Clock clock) {
        return ProviderLimits.NONE;
    }
}
