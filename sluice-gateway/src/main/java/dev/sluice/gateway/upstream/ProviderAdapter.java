package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.protocol.Headers;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What differs between kinds of upstream ({@code provider:} in config): how a request to it is built (credential,
 * model name, which of the caller's headers go along) and how its answers are read (error bodies, a 200 that carries
 * an error, its request id). Retries, failover, timeouts and relaying are the same for all and live in
 * {@link UpstreamCall}.
 */
public interface ProviderAdapter {

    /** One attempt's request: absolute URL, headers, body. */
    record Request(String url, Map<String, String> headers, Buffer body) {}

    /** The {@code provider:} name in config. */
    String name();

    /** Builds the request for {@code deployment} at {@code baseUrl} ({@code .../v1}); {@code env} holds credentials. */
    default Request request(Deployment deployment, String baseUrl, Exchange ex, Map<String, String> env) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("content-type", "application/json");
        h.put("accept", ex.stream() ? "text/event-stream" : "application/json");
        String key = deployment.apiKeyEnv() == null ? null : env.get(deployment.apiKeyEnv());
        if (key != null && !key.isBlank()) h.put("authorization", "Bearer " + key);
        String idem = ex.header(Headers.IDEMPOTENCY_KEY);
        if (idem != null) h.put(Headers.IDEMPOTENCY_KEY, idem);
        extraHeaders(ex, h);
        String url = baseUrl + ex.endpoint().route().substring("/v1".length());
        return new Request(url, h, renamed(deployment, ex));
    }

    /** Adapter-specific headers added to every attempt. */
    default void extraHeaders(Exchange ex, Map<String, String> headers) {}

    /** Maps a non-2xx answer into the catalogue, never passing the body through raw. */
    ApiException error(int status, String body, String model, String deployment);

    /** True when a 2xx JSON answer is nevertheless an error (errors.md: "an HTTP 200 whose body carries an error"). */
    boolean carriesError(JsonNode root);

    /** The upstream's own request id, kept in {@code x-upstream-request-id} and the usage record. */
    default String requestId(MultiMap responseHeaders) {
        return responseHeaders.get(Headers.REQUEST_ID);
    }

    /**
     * False when the attempt's outcome says nothing about the deployment's health, so the circuit breaker ignores
     * it (the simulator answering a fault the caller asked for).
     */
    default boolean healthSignal(Exchange ex) {
        return true;
    }

    /** The caller's body with {@code model} replaced by the deployment's upstream name, when that differs. */
    static Buffer renamed(Deployment deployment, Exchange ex) {
        String upstreamModel = deployment.upstreamModel();
        if (upstreamModel == null || upstreamModel.equals(ex.modelId()) || ex.json() == null) return ex.body();
        ObjectNode copy = ex.json().deepCopy();
        copy.put("model", upstreamModel);
        return Buffer.buffer(copy.toString());
    }
}
