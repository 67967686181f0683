package dev.sluice.client.internal;

import dev.sluice.client.ApiConnectionException;
import dev.sluice.client.ApiStatusException;
import dev.sluice.client.ApiTimeoutException;
import dev.sluice.client.HttpOutcome;
import dev.sluice.client.RequestOptions;
import dev.sluice.client.RetryDecision;
import dev.sluice.client.RetryPolicy;
import dev.sluice.client.SluiceException;
import dev.sluice.protocol.Headers;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The request engine: one call = attempts until success or a stop decision of the {@link RetryPolicy}. Each attempt
 * sends {@code x-retry-count: n} and its timeout as {@code X-Stainless-Timeout} (seconds); a POST carries one {@code Idempotency-Key} on every attempt; pacing (opt-in) waits
 * for the rate-limit reset before sending. Error answers become exceptions through {@link ApiStatusException#from}.
 * A streaming call returns its open body on 2xx and is never retried afterwards.
 */
public final class Transport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.sluice.client");
    private static final String USER_AGENT = "sluice-client/0.1 (Java " + Runtime.version().feature() + ")";
    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final ClientConfig config;
    private final ExecutorService executor;
    private final HttpClient http;
    private final Pacer pacer;

    public Transport(ClientConfig config) {
        this.config = config;
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sluice-client-", 0).factory());
        boolean tls = "https".equalsIgnoreCase(config.baseUrl().getScheme());
        this.http = HttpClient.newBuilder()
                .executor(executor)
                .version(tls ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .connectTimeout(min(config.timeout(), MAX_CONNECT_TIMEOUT))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.pacer = new Pacer(RetryPolicy.MAX_RETRY_AFTER);
    }

    /** One logical call. {@code body} is sent as is on every attempt; {@code model} keys pacing (may be null). */
    public record Call(String method, String path, byte[] body, String contentType, String accept, boolean streaming,
                       String model, RequestOptions options) {}

    /** A 2xx answer: the whole body, or for a streaming call the open body stream (the caller must close it). */
    public record Answer(int status, HttpHeaders headers, byte[] body, InputStream stream) {
        public String requestId() {
            return headers.firstValue(Headers.REQUEST_ID).orElse(null);
        }
    }

    public ClientConfig config() {
        return config;
    }

    public Answer execute(Call call) {
        RequestOptions opts = call.options() == null ? RequestOptions.defaults() : call.options();
        Instant start = config.clock().instant();
        Instant deadline = opts.deadline() == null ? null : start.plus(opts.deadline());
        RetryPolicy policy = opts.maxRetries() == null ? config.retryPolicy()
                : config.retryPolicy().withMaxRetries(opts.maxRetries());
        Duration timeout = opts.timeout() != null ? opts.timeout() : config.timeout();
        String idempotencyKey = !"POST".equals(call.method()) ? null
                : opts.idempotencyKey() != null ? opts.idempotencyKey() : "sluice-" + UUID.randomUUID();
        URI uri = uri(call.path());

        for (int attempt = 0; ; attempt++) {
            if (config.pacing()) pace(call.model(), deadline);
            Duration attemptTimeout = timeout;
            if (deadline != null) {
                Duration left = Duration.between(config.clock().instant(), deadline);
                if (!left.isPositive()) {
                    throw new ApiTimeoutException("The deadline of " + opts.deadline() + " passed before attempt "
                            + (attempt + 1) + " of " + call.method() + " " + uri, null);
                }
                attemptTimeout = min(timeout, left);
            }
            HttpRequest request = request(call, uri, attempt, idempotencyKey, attemptTimeout, opts);
            SluiceException caught;
            try {
                HttpResponse<InputStream> resp = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                if (config.pacing()) pacer.observe(call.model(), resp.headers(), config.clock().instant());
                int status = resp.statusCode();
                if (status >= 200 && status < 300) {
                    if (call.streaming()) return new Answer(status, resp.headers(), null, resp.body());
                    byte[] bytes;
                    try (InputStream in = resp.body()) {
                        bytes = in.readAllBytes();
                    }
                    return new Answer(status, resp.headers(), bytes, null);
                }
                caught = ApiStatusException.from(status, resp.headers(), readError(resp.body()));
            } catch (HttpTimeoutException e) {
                caught = new ApiTimeoutException("Request timed out after " + attemptTimeout.toMillis() + " ms: "
                        + call.method() + " " + uri, e);
            } catch (IOException e) {
                caught = new ApiConnectionException("Connection error on " + call.method() + " " + uri + ": "
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw cancelled(call, uri, e);
            }

            SluiceException failure = caught;
            RetryDecision decision = policy.decide(attempt, HttpOutcome.of(failure), config.clock().instant(), deadline);
            if (!decision.retry()) {
                LOG.log(System.Logger.Level.DEBUG, () -> "not retrying " + call.method() + " " + call.path()
                        + ": " + decision.reason() + " — " + failure.getMessage());
                throw failure;
            }
            int retry = attempt + 1;
            LOG.log(System.Logger.Level.DEBUG, () -> "retry " + retry + "/" + policy.maxRetries() + " of "
                    + call.method() + " " + call.path() + " in " + decision.delay().toMillis() + " ms ("
                    + decision.reason() + ") after: " + failure.getMessage());
            sleep(decision.delay(), call, uri);
        }
    }

    /** Runs a blocking call on a virtual thread; cancelling the future interrupts it, which stops its retries. */
    public <T> CompletableFuture<T> async(Supplier<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Future<?> task = executor.submit(() -> {
            try {
                result.complete(call.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) task.cancel(true);
        });
        return result;
    }

    private void pace(String model, Instant deadline) {
        if (model == null) return;
        while (true) {
            Instant now = config.clock().instant();
            Duration wait = pacer.reserve(model, now);
            if (wait.isZero()) return;
            if (deadline != null && now.plus(wait).isAfter(deadline)) return; // let the server answer instead
            LOG.log(System.Logger.Level.DEBUG, () -> "pacing " + model + ": waiting " + wait.toMillis()
                    + " ms for the rate-limit reset");
            try {
                config.sleeper().sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiConnectionException("The call was cancelled while pacing for " + model, e);
            }
        }
    }

    private void sleep(Duration d, Call call, URI uri) {
        try {
            config.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw cancelled(call, uri, e);
        }
    }

    private HttpRequest request(Call call, URI uri, int attempt, String idempotencyKey, Duration timeout,
                                RequestOptions opts) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(call.body()))
                .header("Accept", call.accept())
                .header("User-Agent", USER_AGENT)
                .header(Headers.RETRY_COUNT, Integer.toString(attempt))
                // as the official SDKs do: the gateway answers 504 before this attempt's timeout runs out
                .header("X-Stainless-Timeout", java.math.BigDecimal.valueOf(timeout.toMillis(), 3)
                        .stripTrailingZeros().toPlainString());
        if (config.apiKey() != null) b.header("Authorization", "Bearer " + config.apiKey());
        if (config.organization() != null) b.header("OpenAI-Organization", config.organization());
        if (config.project() != null) b.header("OpenAI-Project", config.project());
        if (call.contentType() != null) b.header("Content-Type", call.contentType());
        if (idempotencyKey != null) b.header(Headers.IDEMPOTENCY_KEY, idempotencyKey);
        config.defaultHeaders().forEach(b::setHeader);
        opts.headers().forEach(b::setHeader);
        return b.build();
    }

    private URI uri(String path) {
        String base = config.baseUrl().toString();
        if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        return URI.create(base + path);
    }

    private static String readError(InputStream body) {
        try (InputStream in = body) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ""; // the status is what matters; a body cut short reads as empty
        }
    }

    private static ApiConnectionException cancelled(Call call, URI uri, InterruptedException e) {
        return new ApiConnectionException("The call was cancelled: " + call.method() + " " + uri, e);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public void close() {
        http.shutdownNow();
        try {
            http.awaitTermination(Duration.ofSeconds(5));
            executor.shutdownNow();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
