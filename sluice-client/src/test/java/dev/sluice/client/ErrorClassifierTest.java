package dev.sluice.client;

import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.NextAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.Map;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorClassifierTest {
    private static final HttpHeaders NONE = HttpHeaders.of(Map.of(), (a, b) -> true);

    @ParameterizedTest(name = "{0} {1}/{2} → {3}")
    @CsvSource(nullValues = "null", value = {
            "400, invalid_request_error, context_length_exceeded, FIX_REQUEST",
            "422, invalid_request_error, unprocessable_entity, FIX_REQUEST",
            "401, invalid_request_error, invalid_api_key, FIX_ACCESS",
            "403, permission_error, model_not_allowed, FIX_ACCESS",
            "404, invalid_request_error, model_not_found, CHECK_RESOURCE",
            "429, requests, rate_limit_exceeded, SLOW_DOWN",
            "429, tokens, rate_limit_exceeded, SLOW_DOWN",
            "429, insufficient_quota, insufficient_quota, CHECK_QUOTA",
            "429, null, insufficient_quota, CHECK_QUOTA",
            "500, server_error, internal_error, RETRY_LATER",
            "502, null, null, RETRY_LATER",
            "503, server_error, slow_down, RETRY_LATER",
            "409, invalid_request_error, conflict, INSPECT_LOGS",
            "405, invalid_request_error, method_not_allowed, INSPECT_LOGS",
            "418, null, null, INSPECT_LOGS",
    })
    void statusExceptionsAreClassifiedByStatusAndQuota(int status, String type, String code, NextAction expected) {
        String body = type == null && code == null ? "<html>oops</html>"
                : new ApiError("m", type == null ? "x" : type, null, code).toJson().replace("\"type\":\"x\"", "\"type\":null");
        ApiStatusException e = ApiStatusException.from(status, NONE, body);
        assertThat(ErrorClassifier.classify(e)).isEqualTo(expected);
    }

    @Test
    void connectionFailuresAndTimeoutsRetryLater() {
        assertThat(ErrorClassifier.classify(new ApiConnectionException("refused", null))).isEqualTo(NextAction.RETRY_LATER);
        assertThat(ErrorClassifier.classify(new ApiTimeoutException("slow", null))).isEqualTo(NextAction.RETRY_LATER);
        assertThat(ErrorClassifier.classify(new IOException("reset"))).isEqualTo(NextAction.RETRY_LATER);
    }

    @Test
    void wrappedExceptionsAreUnwrapped() {
        ApiStatusException e = ApiStatusException.from(401, NONE, "");
        assertThat(ErrorClassifier.classify(new CompletionException(e))).isEqualTo(NextAction.FIX_ACCESS);
    }

    @ParameterizedTest(name = "stream {0}/{1} → {2}")
    @CsvSource(nullValues = "null", value = {
            "server_error, internal_error, RETRY_LATER",
            "tokens, rate_limit_exceeded, SLOW_DOWN",
            "insufficient_quota, insufficient_quota, CHECK_QUOTA",
            "invalid_request_error, context_length_exceeded, FIX_REQUEST",
            "server_error, null, RETRY_LATER",
            "weird, unheard_of, INSPECT_LOGS",
    })
    void streamErrorsAreClassifiedByTheirCatalogueCode(String type, String code, NextAction expected) {
        StreamException e = new StreamException(new ApiError("m", type, null, code), "req_1", "", false, null);
        assertThat(ErrorClassifier.classify(e)).isEqualTo(expected);
    }

    @Test
    void anythingElseMeansInspectTheLogs() {
        assertThat(ErrorClassifier.classify(new IllegalStateException())).isEqualTo(NextAction.INSPECT_LOGS);
        assertThat(ErrorClassifier.classify(null)).isEqualTo(NextAction.INSPECT_LOGS);
    }
}
