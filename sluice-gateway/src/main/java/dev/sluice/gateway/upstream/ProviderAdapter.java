package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.choice.Provider;
import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.protocol.Durations;
import dev.sluice.protocol.Headers;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.sluice.protocol.retry.RetryAfter;

/**
 * What differs between kinds of upstream ({@code provider:} in config), in the order an attempt meets it:
 * <ol>
 *   <li>building the request — {@link #url} per endpoint and model, the body in the provider's own form
 *       ({@link #translateRequest}), the credential in the provider's header style ({@link #credentialStyle}), and a
 *       last {@link #sign} hook that sees method, URL, headers and body (SigV4);</li>
 *   <li>reading a 2xx answer — {@link #translateResponse} into OpenAI's JSON (usage included), or
 *       {@link #streamTranslator} from the provider's stream bytes to OpenAI stream events;</li>
 *   <li>reading a failure — {@link #failure} from status, headers and body to a catalogue error and what the call
 *       may do next; {@link #requestId} and {@link #limits} from the answer's headers.</li>
 * </ol>
 * Retries, failover, timeouts, breakers and relaying are the same for all and live in {@link UpstreamCall}.
 * Every method has the OpenAI-compatible behaviour as its default, so an adapter overrides only what differs.
 */
public interface ProviderAdapter {
    ObjectMapper JSON = Json.MAPPER;

    /** One attempt's request: method, absolute URL, headers, body. */
    record Request(String method, String url, Map<String, String> headers, Buffer body) {}

    /**
     * Where an attempt goes and what it may use: the deployment, its base URL (the embedded simulator's for a
     * {@code sim} deployment without one), the environment its credential is read from, and the clock (SigV4 dates,
     * retry-after and rate-limit reset times).
     */
    record Target(Deployment deployment, String baseUrl, Map<String, String> env, Clock clock) {
        /** The deployment's provider credential (env var or file), or null; never log it. */
        public String secret() {
            return Credentials.secret(deployment, env);
        }

        /** The model name the provider knows: the deployment's {@code model}, else the caller's. */
        public String upstreamModel(Exchange ex) {
            return deployment.upstreamModel() != null ? deployment.upstreamModel() : ex.modelId();
        }
    }

    /** A 2xx answer read: the OpenAI-shaped body to deliver, or a failure (a 200 that carries an error). */
    sealed interface Answer {
        /**
         * {@code root}: the answer's JSON, or its skeleton; {@code usage}: the token counts of its {@code usage}
         * object, null when it has none.
         */
        record Ok(Buffer body, JsonNode root, Usage usage) implements Answer {
            /** A translated answer, whose token counts are its tree's top-level {@code usage}. */
            public Ok(Buffer body, JsonNode root) {
                this(body, root, Usage.of(root));
            }
        }

        record Failed(Failure failure) implements Answer {}
    }

    /**
     * The token fields of an answer's {@code usage} object as the tree holds them (null when absent): OpenAI's
     * {@code prompt_tokens} / {@code completion_tokens}, or the {@code input_tokens} / {@code output_tokens} of
     * Anthropic-style answers. What the token count reads of a usage.
     */
    record Usage(JsonNode promptTokens, JsonNode completionTokens, JsonNode inputTokens, JsonNode outputTokens) {
        /** The usage of a whole answer's tree; null when its {@code usage} is absent or not an object. */
        public static Usage of(JsonNode root) {
            JsonNode usage = root.get("usage");
            if (usage == null || !usage.isObject()) return null;
            return new Usage(usage.get("prompt_tokens"), usage.get("completion_tokens"), usage.get("input_tokens"),
                    usage.get("output_tokens"));
        }
    }

    /** Which provider this adapter speaks. */
    Provider provider();

    /** The {@code provider:} name in config. */
    default String name() {
        return provider().configName();
    }

    // ---- building the request -------------------------------------------------------------------------------

    /** Builds the request for {@code deployment} at {@code baseUrl} with the system clock (tests, start-up probes). */
    default Request request(Deployment deployment, String baseUrl, Exchange ex, Map<String, String> env) {
        return request(new Target(deployment, baseUrl, env, Clock.systemUTC()), ex);
    }

    /**
     * Builds one attempt's request. Throws an {@link ApiException} when this provider cannot serve the endpoint or a
     * part of the request (the call then tries another deployment, else answers that error).
     */
    default Request request(Target t, Exchange ex) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("content-type", "application/json");
        h.put("accept", ex.stream() ? "text/event-stream" : "application/json");
        credentialStyle(t.deployment()).apply(t.secret(), h);
        String idem = ex.header(Headers.IDEMPOTENCY_KEY);
        if (idem != null) h.put(Headers.IDEMPOTENCY_KEY, idem);
        String sim = t.deployment().forwardSimHeader() ? ex.header(Headers.SLUICE_SIM) : null;
        if (sim != null) h.put(Headers.SLUICE_SIM, sim);
        extraHeaders(ex, h);
        Request r = new Request("POST", url(t, ex), h, translateRequest(t, ex));
        return sign(r, t);
    }

    /** The attempt's absolute URL; OpenAI-compatible: {@code baseUrl} ({@code .../v1}) + the caller's route. */
    default String url(Target t, Exchange ex) {
        return t.baseUrl() + ex.endpoint().route().substring("/v1".length());
    }

    /** How the credential goes on the wire; OpenAI-compatible: bearer. */
    default Credentials.Style credentialStyle(Deployment deployment) {
        return Credentials.Style.BEARER;
    }

    /** Adapter-specific headers added to every attempt. */
    default void extraHeaders(Exchange ex, Map<String, String> headers) {}

    /** The body in the provider's own form; OpenAI-compatible: the caller's, with the model renamed. */
    default Buffer translateRequest(Target t, Exchange ex) {
        return renamed(t.deployment(), ex);
    }

    /** The last step of building a request, which sees all of it (request signing such as SigV4); default: none. */
    default Request sign(Request request, Target t) {
        return request;
    }

    // ---- reading a 2xx answer -------------------------------------------------------------------------------

    /**
     * A non-stream 2xx answer as OpenAI's JSON (usage included), or a failure when it is not a usable answer.
     * OpenAI-compatible: the body as is, unless it is not a JSON object or {@link #carriesError carries an error}.
     * The body is read in one streaming pass without building its tree ({@link AnswerScan#openAi}): the answer's
     * {@link Answer.Ok#root root} is then its skeleton, with {@code error} and {@code detail} whole, and its
     * {@link Answer.Ok#usage usage} the token counts read on the way.
     */
    default Answer translateResponse(Target t, Exchange ex, Buffer body) {
        AnswerScan.OpenAiAnswer read = AnswerScan.openAi(body);
        if (read == null || carriesError(read.skeleton())) return new Answer.Failed(Failure.garbage());
        return new Answer.Ok(body, read.skeleton(), read.usage());
    }

    /**
     * True when a 2xx JSON answer is nevertheless an error (errors.md: "an HTTP 200 whose body carries an error").
     * From the default {@link #translateResponse}, {@code root} is the answer's skeleton: every top-level field is
     * present ({@code has}), and only {@code error} and {@code detail} may be read.
     */
    boolean carriesError(JsonNode root);

    /** The translator of one streamed answer; OpenAI-compatible: SSE events relayed as they are. */
    default StreamTranslator streamTranslator(Target t, Exchange ex) {
        return new SseRelay();
    }

    // ---- reading a failure ----------------------------------------------------------------------------------

    /**
     * A non-2xx answer as a catalogue error and what the call may do next (retry, other deployment, stop), with
     * the provider's retry-after. Default: {@link #error} for the error, the status for the rest.
     */
    default Failure failure(Target t, Exchange ex, int status, MultiMap headers, String body) {
        ApiException mapped = error(status, body, ex.modelId(), t.deployment().name());
        return Failure.ofStatus(status, mapped, RetryAfter.millis(headers::get, t.clock().instant()));
    }

    /** Maps a non-2xx answer into the catalogue, never passing the body through raw. */
    ApiException error(int status, String body, String model, String deployment);

    /** The upstream's own request id, kept in {@code x-upstream-request-id} and the usage record. */
    default String requestId(MultiMap responseHeaders) {
        return responseHeaders.get(OpenAiWindow.REQUEST_ID);
    }

    /**
     * The provider's own rate limits from an answer's headers, passed to the caller when tighter than Sluice's.
     * OpenAI-compatible: its {@code x-ratelimit-*} headers ({@link ProviderLimits#NONE} when it sent none).
     */
    default ProviderLimits limits(MultiMap headers, Clock clock) {
        ProviderLimits.Window requests = openAiWindow(headers, OpenAiWindow.REQUESTS);
        ProviderLimits.Window tokens = openAiWindow(headers, OpenAiWindow.TOKENS);
        return requests == null && tokens == null ? ProviderLimits.NONE : new ProviderLimits(requests, tokens);
    }

    /**
     * False when the attempt's outcome says nothing about the deployment's health, so the circuit breaker ignores
     * it (the simulator answering a fault the caller asked for).
     */
    default boolean healthSignal(Exchange ex) {
        return true;
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** The caller's body with {@code model} replaced by the deployment's upstream name, when that differs. */
    static Buffer renamed(Deployment deployment, Exchange ex) {
        String upstreamModel = deployment.upstreamModel();
        if (upstreamModel == null || upstreamModel.equals(ex.modelId()) || ex.json() == null) return ex.body();
        ObjectNode copy = ex.json().deepCopy();
        copy.put("model", upstreamModel);
        return Buffer.buffer(copy.toString());
    }

    /** One window of OpenAI-style {@code x-ratelimit-*-<kind>} headers, or null when absent. */
    static ProviderLimits.Window openAiWindow(MultiMap h, OpenAiWindow names) {
        long remaining = ProviderLimits.number(h.get(names.remaining()));
        if (remaining < 0) return null;
        long limit = ProviderLimits.number(h.get(names.limit()));
        long reset = Durations.parse(h.get(names.reset())).map(Duration::toMillis).orElse(-1L);
        return new ProviderLimits.Window(limit, remaining, reset);
    }

    /**
     * The three header names of one OpenAI-style rate-limit window, built once rather than per answer, as
     * AsciiStrings: a lookup in the upstream's headers then hashes a name once, not on every answer.
     */
    record OpenAiWindow(CharSequence remaining, CharSequence limit, CharSequence reset) {
        static final OpenAiWindow REQUESTS = new OpenAiWindow("requests");
        static final OpenAiWindow TOKENS = new OpenAiWindow("tokens");
        /** The OpenAI-compatible answer's own request id (the default {@link #requestId}), encoded the same way. */
        static final CharSequence REQUEST_ID = AsciiString.cached(Headers.REQUEST_ID);

        OpenAiWindow(String kind) {
            this(AsciiString.cached("x-ratelimit-remaining-" + kind), AsciiString.cached("x-ratelimit-limit-" + kind),
                    AsciiString.cached("x-ratelimit-reset-" + kind));
        }
    }
}
