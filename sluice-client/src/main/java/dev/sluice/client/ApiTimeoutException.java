package dev.sluice.client;

/** The request timed out (per-attempt timeout or the call's overall deadline). Retried by default. */
public final class ApiTimeoutException extends ApiConnectionException {

    public ApiTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
