package dev.sluice.client;

import dev.sluice.protocol.ApiError;

import java.net.http.HttpHeaders;

/** 401: missing, unknown, revoked or expired key; wrong organization or project; IP not allowed; missing scope. */
public final class AuthenticationException extends ApiStatusException {
    AuthenticationException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        super(status, error, headers, rawBody);
    }
}
