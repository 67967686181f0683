package dev.sluice.gateway.pipeline;

/**
 * The one legal order of stages, in the style of vertx-web's handler priorities: a pipeline assembled in any other
 * order (say, rate limits before authentication) fails at start-up instead of leaking work to strangers.
 */
public enum StageOrder {
    API_KEY_AUTHENTICATION,
    ORGANIZATION_MEMBERSHIP,
    REQUEST_HEADERS_MATCH,
    KEY_SCOPE,
    IP_ALLOWLIST,
    REGION_POLICY,
    /** Around everything that can end a model request once its model is known: sees every such answer. */
    USAGE_RECORDING,
    REQUEST_BODY,
    REQUEST_VALIDATION,
    MODEL_RESOLUTION,
    MODEL_ACCESS,
    CONTEXT_WINDOW,
    IDEMPOTENCY,
    QUOTA_CHECK,
    RATE_LIMITS,
    SLOW_DOWN_GUARD,
    ADMISSION_CONTROL,
    MODEL_FALLBACK,
    /** Right around the upstream call: each call, fallbacks included, counts as live traffic while it runs. */
    LIVE_TRAFFIC_METERING,
    TERMINAL
}
