package dev.sluice.client;

import dev.sluice.protocol.ApiError;

import java.net.http.HttpHeaders;

/** 409: an Idempotency-Key in flight or reused, or a state conflict. Retried unless x-should-retry: false. */
public final class ConflictException extends ApiStatusException {
    ConflictException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        super(status, error, headers, rawBody);
    }
}
