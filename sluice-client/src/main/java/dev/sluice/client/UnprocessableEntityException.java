package dev.sluice.client;

import dev.sluice.protocol.ApiError;

import java.net.http.HttpHeaders;

/** 422: well-formed, but the object is not in a state that allows it. */
public final class UnprocessableEntityException extends ApiStatusException {
    UnprocessableEntityException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        super(status, error, headers, rawBody);
    }
}
