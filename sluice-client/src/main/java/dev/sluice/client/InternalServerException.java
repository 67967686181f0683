package dev.sluice.client;

import dev.sluice.protocol.ApiError;

import java.net.http.HttpHeaders;

/** A status of 500 or above: a fault in the gateway or upstream. Retried with backoff. */
public final class InternalServerException extends ApiStatusException {
    InternalServerException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        super(status, error, headers, rawBody);
    }
}
