package dev.sluice.client;

import dev.sluice.client.internal.ClientConfig;
import dev.sluice.client.internal.Transport;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An OpenAI-compatible API client (Sluice or OpenAI itself) on the JDK {@code HttpClient}: typed exceptions per
 * status, retries by the order of authority of the error contract, optional pacing by the rate-limit headers, and
 * streams that end COMPLETED, FAILED or CANCELLED. Thread-safe; create one and share it; close it to release its
 * connections and threads.
 *
 * <pre>{@code
 * try (SluiceClient client = SluiceClient.fromEnv()) {
 *     ChatCompletion c = client.chat().completions().create(
 *             ChatCompletionRequest.of("sim-mini", List.of(ChatMessage.user("Hello"))));
 * }
 * }</pre>
 */
public final class SluiceClient implements AutoCloseable {
    public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    private final Transport transport;
    private final Chat chat;
    private final Responses responses;
    private final Embeddings embeddings;
    private final Models models;
    private final Files files;
    private final Batches batches;

    private SluiceClient(ClientConfig config) {
        this.transport = new Transport(config);
        Api api = new Api(transport);
        this.chat = new Chat(api);
        this.responses = new Responses(api);
        this.embeddings = new Embeddings(api);
        this.models = new Models(api);
        this.files = new Files(api);
        this.batches = new Batches(api);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A client configured from the environment: {@code SLUICE_API_KEY} or {@code OPENAI_API_KEY},
     * {@code SLUICE_BASE_URL} or {@code OPENAI_BASE_URL}, {@code OPENAI_ORG_ID}, {@code OPENAI_PROJECT_ID}.
     */
    public static SluiceClient fromEnv() {
        return builder().env(System.getenv()).build();
    }

    public Chat chat() { return chat; }

    public Responses responses() { return responses; }

    public Embeddings embeddings() { return embeddings; }

    public Models models() { return models; }

    public Files files() { return files; }

    public Batches batches() { return batches; }

    /** The clock the client measures deadlines with (the injected one in tests). */
    public Clock clock() { return transport.config().clock(); }

    /** The sleeper the client waits with (the injected one in tests). */
    public Sleeper sleeper() { return transport.config().sleeper(); }

    public URI baseUrl() { return transport.config().baseUrl(); }

    /** Aborts calls still in flight and releases connections and threads. */
    @Override
    public void close() {
        transport.close();
    }

    /** Settings of a client; unset values take the defaults in brackets. */
    public static final class Builder {
        private String apiKey;
        private String baseUrl = DEFAULT_BASE_URL;
        private String organization;
        private String project;
        private Duration timeout = DEFAULT_TIMEOUT;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = Sleeper.SYSTEM;
        private boolean pacing;
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder() {}

        /** Sent as {@code Authorization: Bearer …}; none is sent when null. */
        public Builder apiKey(String apiKey) { this.apiKey = apiKey; return this; }

        /** [{@code https://api.openai.com/v1}] e.g. {@code http://127.0.0.1:8080/v1} for a local Sluice. */
        public Builder baseUrl(String baseUrl) { this.baseUrl = Objects.requireNonNull(baseUrl); return this; }

        /** Sent as {@code OpenAI-Organization}. */
        public Builder organization(String organization) { this.organization = organization; return this; }

        /** Sent as {@code OpenAI-Project}. */
        public Builder project(String project) { this.project = project; return this; }

        /** [10 min] per attempt, until the response headers arrive. */
        public Builder timeout(Duration timeout) { this.timeout = Objects.requireNonNull(timeout); return this; }

        /** [2] retries after the first attempt. */
        public Builder maxRetries(int maxRetries) { this.retryPolicy = retryPolicy.withMaxRetries(maxRetries); return this; }

        /** Replace the retry policy (e.g. with a fixed jitter source); keeps its own maxRetries. */
        public Builder retryPolicy(RetryPolicy policy) { this.retryPolicy = Objects.requireNonNull(policy); return this; }

        /** [system UTC] for deadlines and pacing. */
        public Builder clock(Clock clock) { this.clock = Objects.requireNonNull(clock); return this; }

        /** [{@link Sleeper#SYSTEM}] for backoff and pacing waits. */
        public Builder sleeper(Sleeper sleeper) { this.sleeper = Objects.requireNonNull(sleeper); return this; }

        /** [off] Wait for the rate-limit reset when the last answer for a model said none is left. */
        public Builder pacing(boolean on) { this.pacing = on; return this; }

        /** A header sent on every request. */
        public Builder header(String name, String value) { headers.put(name, value); return this; }

        /** Applies {@code SLUICE_*}/{@code OPENAI_*} variables from {@code env} (SLUICE_* wins when both are set). */
        public Builder env(Map<String, String> env) {
            String key = first(env, "SLUICE_API_KEY", "OPENAI_API_KEY");
            if (key != null) apiKey = key;
            String url = first(env, "SLUICE_BASE_URL", "OPENAI_BASE_URL");
            if (url != null) baseUrl = url;
            String org = first(env, "OPENAI_ORG_ID");
            if (org != null) organization = org;
            String proj = first(env, "OPENAI_PROJECT_ID");
            if (proj != null) project = proj;
            return this;
        }

        public SluiceClient build() {
            URI uri = URI.create(baseUrl);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL: " + baseUrl);
            }
            return new SluiceClient(new ClientConfig(uri, apiKey, organization, project, timeout, retryPolicy, clock,
                    sleeper, pacing, headers));
        }

        private static String first(Map<String, String> env, String... names) {
            for (String n : names) {
                String v = env.get(n);
                if (v != null && !v.isBlank()) return v.trim();
            }
            return null;
        }
    }
}
