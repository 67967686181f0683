package dev.sluice.client;

/** No HTTP answer arrived: the connection was refused, reset or failed, or the call was cancelled. Retried by default. */
public sealed class ApiConnectionException extends SluiceException permits ApiTimeoutException {

    public ApiConnectionException(String message, Throwable cause) {
        super(message, null, cause);
    }
}
