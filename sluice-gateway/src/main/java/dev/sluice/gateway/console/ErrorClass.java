package dev.sluice.gateway.console;

/**
 * The contract classes of docs/errors.md that the overview stacks: what kind of failure a finished request was.
 * One place decides it from the status, the error code and whether a started stream failed.
 */
enum ErrorClass {
    CLIENT_400("400 family"),
    AUTH_401_403("401/403"),
    NOT_FOUND_404("404"),
    RATE_LIMIT_429("429 rate limit"),
    QUOTA_429("429 quota"),
    GATEWAY_5XX("5xx gateway-side"),
    UPSTREAM_5XX("5xx upstream-side"),
    STREAM("stream error"),
    CANCELLED("caller left");

    private final String label;

    ErrorClass(String label) {
        this.label = label;
    }

    public String label() { return label; }

    /** The class of a finished request, or null when it succeeded. */
    public static ErrorClass of(int status, String code, boolean streamFailed) {
        if (status == 499) return CANCELLED;
        if (status < 400) return streamFailed ? STREAM : null;
        if (status == 401 || status == 403) return AUTH_401_403;
        if (status == 404) return NOT_FOUND_404;
        if (status == 429) return "insufficient_quota".equals(code) ? QUOTA_429 : RATE_LIMIT_429;
        if (status < 500) return CLIENT_400;
        // 502 bad_gateway, 504 upstream_timeout and 503 upstream_unavailable come from the upstream side;
        // 500 internal_error, 503 server_overloaded and 503 slow_down are the gateway's own.
        if (status == 502 || status == 504 || "upstream_unavailable".equals(code)) return UPSTREAM_5XX;
        return GATEWAY_5XX;
    }
}
