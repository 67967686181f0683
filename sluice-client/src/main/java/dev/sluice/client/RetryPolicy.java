package dev.sluice.client;

import dev.sluice.client.internal.RetryAfter;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.retry.Backoff;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When to send a failed request again: a pure function of the attempt, what it produced, the time and the deadline.
 * Order of authority (errors.md): {@code x-should-retry}, then {@code retry-after-ms}, then {@code retry-after}
 * (seconds or HTTP date, honoured up to 60 s; a longer wait means do not retry), then the status: connection errors,
 * timeouts, 408, 409, 429 rate limits and ≥ 500 are retried; {@code insufficient_quota} never is, whatever the
 * headers say, nor is a stream that failed after its first byte or a cancelled call. Backoff without a server hint:
 * {@code min(0.5 s × 2^attempt, 8 s) × uniform(0.75, 1.0)}.
 */
public final class RetryPolicy {
    public static final int DEFAULT_MAX_RETRIES = 2;
    public static final Duration INITIAL_DELAY = Duration.ofMillis(500);
    public static final Duration MAX_DELAY = Duration.ofSeconds(8);
    /** The longest server-requested wait the client honours; beyond it the request is not retried. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
    private static final Backoff BACKOFF = new Backoff(INITIAL_DELAY.toMillis(), MAX_DELAY.toMillis());

    private final int maxRetries;
    private final DoubleSupplier random;

    private RetryPolicy(int maxRetries, DoubleSupplier random) {
        if (maxRetries < 0) throw new IllegalArgumentException("maxRetries must be >= 0");
        this.maxRetries = maxRetries;
        this.random = random;
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(DEFAULT_MAX_RETRIES, () -> ThreadLocalRandom.current().nextDouble());
    }

    public RetryPolicy withMaxRetries(int n) {
        return new RetryPolicy(n, random);
    }

    /** The source of the jitter, uniform in [0, 1); inject a constant to make backoff deterministic. */
    public RetryPolicy withRandom(DoubleSupplier uniform01) {
        return new RetryPolicy(maxRetries, uniform01);
    }

    public int maxRetries() {
        return maxRetries;
    }

    /**
     * @param attempt  retries already made for this call (0 after the first attempt)
     * @param outcome  what the last attempt produced
     * @param now      the current time (for HTTP-date retry-after and the deadline)
     * @param deadline when the whole call must be over, or null
     */
    public RetryDecision decide(int attempt, HttpOutcome outcome, Instant now, Instant deadline) {
        Optional<Duration> hint = Optional.empty();
        String why;
        switch (outcome) {
            case HttpOutcome.Failure f -> {
                Throwable e = unwrap(f.error());
                if (isCancellation(e)) return RetryDecision.stop("the call was cancelled");
                if (e instanceof StreamException) {
                    return RetryDecision.stop("the stream had started; a stream is never retried after its first byte");
                }
                if (!(e instanceof ApiConnectionException || e instanceof IOException)) {
                    return RetryDecision.stop("not a network failure: " + e.getClass().getSimpleName());
                }
                why = e instanceof ApiTimeoutException || e instanceof java.net.http.HttpTimeoutException
                        ? "timeout" : "connection error";
            }
            case HttpOutcome.Response r -> {
                if (r.status() < 400) return RetryDecision.stop("not an error (" + r.status() + ")");
                if (RetryAfter.isQuota(r.errorType(), r.errorCode())) {
                    return RetryDecision.stop("insufficient_quota: credits or budget are spent; retrying cannot help");
                }
                Boolean should = shouldRetryHeader(r.headers());
                if (Boolean.FALSE.equals(should)) return RetryDecision.stop("the server said x-should-retry: false");
                if (should == null && !retryableStatus(r.status())) {
                    return RetryDecision.stop("status " + r.status() + " is not retryable");
                }
                why = should != null ? "x-should-retry: true" : "status " + r.status();
                hint = RetryAfter.parse(r.headers(), now);
            }
        }
        if (attempt >= maxRetries) {
            return RetryDecision.stop("gave up after " + attempt + (attempt == 1 ? " retry" : " retries") + " (" + why + ")");
        }
        Duration delay;
        if (hint.isPresent() && hint.get().compareTo(MAX_RETRY_AFTER) > 0) {
            return RetryDecision.stop("the server asks to wait " + seconds(hint.get())
                    + ", longer than the " + seconds(MAX_RETRY_AFTER) + " the client honours");
        } else if (hint.isPresent() && hint.get().isPositive()) {
            delay = hint.get();
            why += ", waiting the server's retry-after";
        } else {
            delay = backoff(attempt);
            why += ", backoff";
        }
        if (deadline != null && now.plus(delay).isAfter(deadline)) {
            return RetryDecision.stop("the deadline would pass before the next attempt (" + why + " " + seconds(delay) + ")");
        }
        return RetryDecision.retryAfter(delay, why);
    }

    /** {@code min(0.5 s × 2^attempt, 8 s) × uniform(0.75, 1.0)}. */
    public Duration backoff(int attempt) {
        // a draw of 0 waits the whole step (Explainer prints the maxima with it), as this policy always has
        double ms = BACKOFF.millis(attempt, 1.0 - random.getAsDouble());
        return Duration.ofNanos(Math.round(ms * 1_000_000));
    }

    /** The status rule alone: 408, 409, 429 and ≥ 500 (quota is excluded before this is asked). */
    public static boolean retryableStatus(int status) {
        return status == 408 || status == 409 || status == 429 || status >= 500;
    }

    /** {@code x-should-retry} as true/false, or null when absent or neither (case-insensitive). */
    static Boolean shouldRetryHeader(HttpHeaders h) {
        if (h == null) return null;
        String v = h.firstValue(Headers.SHOULD_RETRY).map(s -> s.trim().toLowerCase(Locale.ROOT)).orElse("");
        return switch (v) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> null;
        };
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static boolean isCancellation(Throwable e) {
        if (e instanceof CancellationException || e instanceof InterruptedException) return true;
        if (e instanceof InterruptedIOException && !(e instanceof java.net.http.HttpTimeoutException)
                && !(e instanceof java.net.SocketTimeoutException)) return true;
        Throwable c = e.getCause();
        return c != null && c != e && (c instanceof CancellationException || c instanceof InterruptedException);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(Locale.ROOT, "%.3f s", d.toMillis() / 1000.0);
    }
}
