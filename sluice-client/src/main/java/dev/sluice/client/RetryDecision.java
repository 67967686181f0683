package dev.sluice.client;

import java.time.Duration;

/** Whether to send the request again, after how long, and why (the reason is for logs and {@code explain}). */
public record RetryDecision(boolean retry, Duration delay, String reason) {

    public static RetryDecision retryAfter(Duration delay, String reason) {
        return new RetryDecision(true, delay, reason);
    }

    public static RetryDecision stop(String reason) {
        return new RetryDecision(false, Duration.ZERO, reason);
    }
}
