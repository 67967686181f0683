package dev.sluice.gateway.upstream;

import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.Exchange;

import java.util.function.BiConsumer;

/** Told about each upstream attempt and stream of {@link UpstreamCall} (metrics and trace spans). */
public interface UpstreamObserver {
    UpstreamObserver NONE = new UpstreamObserver() { };

    /**
     * An attempt starts: {@code header} adds a header to the upstream request (the trace context). Returns what to
     * call, once, when the attempt ends.
     *
     * @param number 1 for the request's first attempt
     */
    default AttemptEnd attempt(Exchange ex, Deployment d, String url, int number, BiConsumer<String, String> header) {
        return AttemptEnd.NONE;
    }

    /** A retry on {@code d} was not made: the deployment's retry budget was spent. */
    default void retryRefused(Exchange ex, Deployment d) { }

    /** A stream's first event reached the caller. */
    default void streamStarted(Exchange ex) { }

    /** A started stream ended, however it ended. */
    default void streamEnded(Exchange ex) { }

    /** The end of one attempt. */
    @FunctionalInterface
    interface AttemptEnd {
        AttemptEnd NONE = (ok, code) -> { };

        /** @param errorCode the contract code it failed with ({@code cancelled} when abandoned), null on success */
        void ended(boolean ok, String errorCode);
    }
}
