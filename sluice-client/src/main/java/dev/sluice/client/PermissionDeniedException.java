package dev.sluice.client;

import dev.sluice.protocol.ApiError;

import java.net.http.HttpHeaders;

/** 403: the region is not supported or the project may not use the model. */
public final class PermissionDeniedException extends ApiStatusException {
    PermissionDeniedException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        super(status, error, headers, rawBody);
    }
}
