package dev.sluice.gateway.pipeline;

import dev.sluice.gateway.usage.Outcome;

/**
 * How a request ended for its caller, as the HTTP adapter saw it: the status the caller got (499 when it left before
 * the answer ended, or what the connection guard answered before closing), the outcome and the error code (null on
 * success). Stages receive it in the work they attach to their answer with {@link Answer#whenDone}.
 */
public record Ending(int status, Outcome outcome, String errorCode) {

    /** True when the caller went away before its answer was complete. */
    public boolean cancelled() {
        return outcome == Outcome.CANCELLED;
    }
}
