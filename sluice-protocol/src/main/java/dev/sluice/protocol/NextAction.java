package dev.sluice.protocol;

/** What a caller should do next about a failed request (errors.md, "Client SDK"). */
public enum NextAction {
    /** The request itself is wrong (400, 422): change it; retrying the same bytes cannot succeed. */
    FIX_REQUEST("Fix the request: change the parameters named in the error; sending it again unchanged will fail again."),
    /** Credentials, membership, IP, region or model permission (401, 403). */
    FIX_ACCESS("Fix access: check the API key, its organization/project membership, scopes, IP allowlist, region or model access."),
    /** The model, route or object does not exist or is hidden from this key (404). */
    CHECK_RESOURCE("Check the resource: the model, URL or object id does not exist or this key may not see it."),
    /** A rate limit (429 requests/tokens): wait the retry-after, then retry; pace requests. */
    SLOW_DOWN("Slow down: wait for the time in retry-after / retry-after-ms, then retry; pace requests by the x-ratelimit-* headers."),
    /** Prepaid credits or monthly budget exhausted (429 insufficient_quota): never retry. */
    CHECK_QUOTA("Check quota: credits or the monthly budget are spent; add credits or raise the budget. Retrying will not help."),
    /** A transient server-side problem (>= 500, connection failures): retry with backoff. */
    RETRY_LATER("Retry later with exponential backoff and jitter; honour retry-after when present."),
    /** Anything else: look at the logs with the request id. */
    INSPECT_LOGS("Inspect the logs: quote the x-request-id of the response when you look or ask for support.");

    private final String advice;

    NextAction(String advice) {
        this.advice = advice;
    }

    public String advice() {
        return advice;
    }
}
