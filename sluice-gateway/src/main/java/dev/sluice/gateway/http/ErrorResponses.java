package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.Headers;
import io.vertx.core.http.HttpServerResponse;

import java.util.Map;

/** Writes a catalogue error as the JSON answer: status, body, {@code x-should-retry} and the error's own headers. */
public final class ErrorResponses {
    private ErrorResponses() {}

    public static void write(HttpServerResponse out, ApiException e) {
        if (out.headWritten()) {
            out.reset();
            return;
        }
        out.setStatusCode(e.status());
        out.putHeader("content-type", "application/json");
        out.putHeader(Headers.SHOULD_RETRY, String.valueOf(e.kind().shouldRetry()));
        for (Map.Entry<String, String> h : e.headers().entrySet()) out.putHeader(h.getKey(), h.getValue());
        out.end(e.error().toJson());
    }
}
