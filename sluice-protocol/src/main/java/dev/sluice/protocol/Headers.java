package dev.sluice.protocol;

/** Header names of the contract, lower-case as they go on the wire. */
public final class Headers {
    private Headers() {}

    public static final String REQUEST_ID = "x-request-id";
    public static final String UPSTREAM_REQUEST_ID = "x-upstream-request-id";
    public static final String SHOULD_RETRY = "x-should-retry";
    public static final String RETRY_AFTER = "retry-after";
    public static final String RETRY_AFTER_MS = "retry-after-ms";
    public static final String PROCESSING_MS = "openai-processing-ms";
    public static final String OPENAI_VERSION = "openai-version";
    public static final String OPENAI_VERSION_VALUE = "2020-10-01";
    public static final String OPENAI_ORGANIZATION = "openai-organization";
    public static final String OPENAI_PROJECT = "openai-project";
    public static final String LIMIT_REQUESTS = "x-ratelimit-limit-requests";
    public static final String REMAINING_REQUESTS = "x-ratelimit-remaining-requests";
    public static final String RESET_REQUESTS = "x-ratelimit-reset-requests";
    public static final String LIMIT_TOKENS = "x-ratelimit-limit-tokens";
    public static final String REMAINING_TOKENS = "x-ratelimit-remaining-tokens";
    public static final String RESET_TOKENS = "x-ratelimit-reset-tokens";
    public static final String SLUICE_ATTEMPTS = "x-sluice-attempts";
    public static final String SLUICE_SIM = "x-sluice-sim";
    /** {@code batch} on the Batch API's own calls, so limits can rank them below live traffic. */
    public static final String SLUICE_PRIORITY = "x-sluice-priority";
    public static final String IDEMPOTENCY_KEY = "idempotency-key";
    public static final String RETRY_COUNT = "x-retry-count";
    public static final String REQUEST_ORGANIZATION = "openai-organization";
    public static final String REQUEST_PROJECT = "openai-project";
}
