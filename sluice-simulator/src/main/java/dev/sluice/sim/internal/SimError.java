package dev.sluice.sim.internal;

import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;

/**
 * A request the simulator answers with an error before anything was sent. Thrown from parsing and validation so the
 * endpoint code reads straight; no stack trace, because it is control flow.
 */
public final class SimError extends RuntimeException {
    private final int status;
    private final ApiError error;

    public SimError(int status, ApiError error) {
        super(error.message(), null, false, false);
        this.status = status;
        this.error = error;
    }

    /** The catalogue row filled in, with the row's status. */
    public static SimError at(ErrorKind kind, String param, String... vars) {
        return new SimError(kind.status(), kind.errorAt(param, vars));
    }

    public int status() { return status; }

    public ApiError error() { return error; }
}
