package dev.sluice.client;

import dev.sluice.protocol.ApiError;

import java.net.http.HttpHeaders;

/** 400 Bad Request: the request is malformed or has an invalid parameter. Never retried unless the server says x-should-retry: true. */
public final class BadRequestException extends ApiStatusException {
    BadRequestException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        super(status, error, headers, rawBody);
    }
}
