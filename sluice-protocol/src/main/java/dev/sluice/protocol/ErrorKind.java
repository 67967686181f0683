package dev.sluice.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The error catalogue of errors.md, once, for the gateway (catalogue to JSON), the client (JSON to exception) and
 * {@code sluice explain} (JSON to advice). Templates use {@code {name}} placeholders; {@code {param}} is filled from
 * the param argument of {@link #errorAt(String, String...)}.
 */
public enum ErrorKind {
    INVALID_JSON(400, "invalid_request_error", null, false, NextAction.FIX_REQUEST,
            "the body is not valid JSON",
            "We could not parse the JSON body of your request. The API expects a JSON object sent with "
                    + "'Content-Type: application/json' ({detail})."),
    MISSING_PARAMETER(400, "invalid_request_error", null, false, NextAction.FIX_REQUEST,
            "a required parameter is missing",
            "Missing required parameter: '{param}'."),
    UNKNOWN_PARAMETER(400, "invalid_request_error", "unknown_parameter", false, NextAction.FIX_REQUEST,
            "the body has a field the endpoint does not know",
            "Unrecognized request argument supplied: {param}"),
    INVALID_TYPE(400, "invalid_request_error", "invalid_type", false, NextAction.FIX_REQUEST,
            "a parameter has the wrong JSON type",
            "Invalid type for '{param}': expected {expected}, but got {actual} instead."),
    INVALID_VALUE(400, "invalid_request_error", "invalid_value", false, NextAction.FIX_REQUEST,
            "a parameter is out of range or not one of the allowed values",
            "Invalid value for '{param}': {why}."),
    CONTEXT_LENGTH_EXCEEDED(400, "invalid_request_error", "context_length_exceeded", false, NextAction.FIX_REQUEST,
            "the prompt plus the requested output is longer than the model's context window",
            "This model's maximum context length is {max} tokens. However, your messages resulted in {n} tokens"
                    + "{completion}. Please reduce the length of the messages."),
    REQUEST_TOO_LARGE(413, "invalid_request_error", "request_too_large", false, NextAction.FIX_REQUEST,
            "the request body is larger than the gateway accepts",
            "Request body is {n} bytes; the limit is {max} bytes."),
    MISSING_API_KEY(401, "invalid_request_error", "missing_api_key", false, NextAction.FIX_ACCESS,
            "no API key was sent",
            "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'."),
    INVALID_API_KEY(401, "invalid_request_error", "invalid_api_key", false, NextAction.FIX_ACCESS,
            "the API key is unknown, revoked or expired",
            "Incorrect API key provided: {masked}. You can find your API key in your Sluice dashboard."),
    REVOKED_API_KEY(401, "invalid_request_error", "invalid_api_key", false, NextAction.FIX_ACCESS,
            "the API key was revoked",
            "The API key {masked} was revoked at {time}. Create a new key in your Sluice dashboard."),
    EXPIRED_API_KEY(401, "invalid_request_error", "invalid_api_key", false, NextAction.FIX_ACCESS,
            "the API key has expired",
            "The API key {masked} expired at {time}. Create a new key in your Sluice dashboard."),
    NO_ORGANIZATION(401, "invalid_request_error", "no_organization", false, NextAction.FIX_ACCESS,
            "the key's owner is not a member of any organization",
            "You must be a member of an organization to use the API. Ask an organization owner to add you, "
                    + "or use a key of a current member."),
    INVALID_ORGANIZATION(401, "invalid_request_error", "invalid_organization", false, NextAction.FIX_ACCESS,
            "the OpenAI-Organization header names an organization the key does not belong to",
            "The OpenAI-Organization header names organization '{org}', but this API key is not a member of it."),
    INVALID_PROJECT(401, "invalid_request_error", "invalid_project", false, NextAction.FIX_ACCESS,
            "the OpenAI-Project header names a project the key does not belong to",
            "The OpenAI-Project header names project '{project}', but this API key is not a member of it."),
    IP_NOT_AUTHORIZED(401, "invalid_request_error", "ip_not_authorized", false, NextAction.FIX_ACCESS,
            "the client IP is not in the organization's or project's IP allowlist",
            "You are not authorized to use this API from IP address {ip}. Check your organization or project "
                    + "IP allowlist."),
    INSUFFICIENT_PERMISSIONS(401, "invalid_request_error", "insufficient_permissions", false, NextAction.FIX_ACCESS,
            "the key is restricted and lacks the scope this endpoint needs",
            "You have insufficient permissions for this operation. Missing scopes: {scope}. Check that you have "
                    + "the correct role in your organization and project, and if you're using a restricted API key, "
                    + "that it has the necessary scopes."),
    UNSUPPORTED_COUNTRY(403, "request_forbidden", "unsupported_country_region_territory", false,
            NextAction.FIX_ACCESS,
            "the request comes from a country, region or territory the policy does not support",
            "Country, region, or territory not supported"),
    MODEL_NOT_ALLOWED(403, "permission_error", "model_not_allowed", false, NextAction.FIX_ACCESS,
            "the model exists but this project or tier may not use it",
            "Project {project} does not have access to model {model}."),
    MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found", false, NextAction.CHECK_RESOURCE,
            "the model is unknown or hidden from this key",
            "The model '{model}' does not exist or you do not have access to it."),
    UNKNOWN_URL(404, "invalid_request_error", "unknown_url", false, NextAction.CHECK_RESOURCE,
            "the route does not exist",
            "Unknown request URL: {method} {path}. Please check the URL for typos, or see the docs at {docs}."),
    NOT_FOUND(404, "invalid_request_error", "not_found", false, NextAction.CHECK_RESOURCE,
            "the object id (file, batch, response) is unknown",
            "No {kind} found with id '{id}'."),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", false, NextAction.FIX_REQUEST,
            "the route exists but not with this HTTP method",
            "Method {method} is not allowed on {path}."),
    CONFLICT(409, "invalid_request_error", "conflict", false, NextAction.FIX_REQUEST,
            "the object changed or is in a state that conflicts with the request",
            "{detail}"),
    IDEMPOTENCY_KEY_IN_USE(409, "invalid_request_error", "idempotency_key_in_use", true, NextAction.RETRY_LATER,
            "a request with the same Idempotency-Key is still in flight",
            "A request with this Idempotency-Key is still being processed. Retry after it completes to receive "
                    + "its result."),
    IDEMPOTENCY_KEY_REUSED(409, "invalid_request_error", "idempotency_key_reused", false, NextAction.FIX_REQUEST,
            "the Idempotency-Key was used before with a different request body",
            "This Idempotency-Key was already used with a different request body. Use a new key for a "
                    + "different request."),
    UNPROCESSABLE_ENTITY(422, "invalid_request_error", "unprocessable_entity", false, NextAction.FIX_REQUEST,
            "the request is well-formed but the object is not in a state that allows it",
            "{detail}"),
    INVALID_CONFIG(422, "invalid_request_error", "invalid_config", false, NextAction.FIX_REQUEST,
            "a config reload read a sluice.yaml that fails validation; the running config stays",
            "The config was not reloaded, the running config stays. {detail}"),
    CONTENT_FILTERED(400, "invalid_request_error", "content_filter", false, NextAction.FIX_REQUEST,
            "the model provider's content filter refused the prompt",
            "The prompt was refused by the model provider's content filter. Please modify your prompt and retry."),
    RATE_LIMIT_REQUESTS(429, "requests", "rate_limit_exceeded", true, NextAction.SLOW_DOWN,
            "a request-count rate limit (RPM, RPD or IPM) was reached",
            "Rate limit reached for {model} in organization {org}{project} on {limit_name} ({limit_abbr}): "
                    + "Limit {limit}, Used {used}, Requested {requested}. Please try again in {wait}."),
    RATE_LIMIT_TOKENS(429, "tokens", "rate_limit_exceeded", true, NextAction.SLOW_DOWN,
            "a token rate limit (TPM or TPD) was reached",
            "Rate limit reached for {model} in organization {org}{project} on {limit_name} ({limit_abbr}): "
                    + "Limit {limit}, Used {used}, Requested {requested}. Please try again in {wait}."),
    REQUEST_TOO_LARGE_FOR_LIMIT(429, "tokens", "rate_limit_exceeded", false, NextAction.FIX_REQUEST,
            "one request needs more tokens than a whole rate-limit window holds, so it can never pass",
            "Request too large for {model} in organization {org}{project} on {limit_name} ({limit_abbr}): "
                    + "Limit {limit}, Requested {requested}. The input or output tokens must be reduced in order "
                    + "to run successfully."),
    INSUFFICIENT_QUOTA(429, "insufficient_quota", "insufficient_quota", false, NextAction.CHECK_QUOTA,
            "prepaid credits are spent or the monthly budget is reached",
            "You exceeded your current quota, please check your plan and billing details."),
    INTERNAL_ERROR(500, "server_error", "internal_error", true, NextAction.RETRY_LATER,
            "an unexpected fault inside Sluice",
            "The server had an error while processing your request. Sorry about that! (Please include the "
                    + "request ID {request_id} in your message.)"),
    BAD_GATEWAY(502, "server_error", "bad_gateway", true, NextAction.RETRY_LATER,
            "the upstream provider answered garbage, reset the connection or sent an unmapped status",
            "The upstream provider returned an invalid response."),
    SERVER_OVERLOADED(503, "server_error", "server_overloaded", true, NextAction.RETRY_LATER,
            "Sluice is saturated and shed the request",
            "The engine is currently overloaded, please try again later"),
    SLOW_DOWN(503, "server_error", "slow_down", true, NextAction.SLOW_DOWN,
            "the project's request rate jumped far above its recent baseline",
            "Slow Down: your request rate rose suddenly. Return to your earlier rate, hold it for 15 minutes, "
                    + "then increase gradually."),
    SERVER_SHUTTING_DOWN(503, "server_error", "server_shutting_down", true, NextAction.RETRY_LATER,
            "the gateway is stopping and its drain deadline (shutdown.drain_ms) cut the request",
            "The server is shutting down and could not finish this request; please retry it."),
    UPSTREAM_UNAVAILABLE(503, "server_error", "upstream_unavailable", true, NextAction.RETRY_LATER,
            "every upstream deployment of the model is down or its circuit is open",
            "No upstream provider is available for model '{model}' right now. Please try again later."),
    UPSTREAM_TIMEOUT(504, "server_error", "upstream_timeout", true, NextAction.RETRY_LATER,
            "the upstream provider did not answer within the timeout",
            "The upstream provider did not respond within {timeout}."),
    UPSTREAM_CAPACITY(503, "server_error", "upstream_capacity", true, NextAction.RETRY_LATER,
            "Sluice's own connections to the model's deployments were all busy (max_connections x max_streams) and "
                    + "none freed within upstream_pool.wait_ms; the upstream was not asked",
            "Sluice has no free connection to the upstream provider of model '{model}' right now. Please try again shortly."),
    CONSOLE_SIGN_IN_REQUIRED(401, "invalid_request_error", "console_sign_in_required", false, NextAction.FIX_ACCESS,
            "an admin console call has no live session: never signed in, signed out, or expired",
            "Sign in to the Sluice console: this session is missing, expired or signed out."),
    CONSOLE_CSRF_REFUSED(403, "invalid_request_error", "csrf_check_failed", false, NextAction.FIX_ACCESS,
            "an admin console change came without the session's CSRF token or from another origin",
            "This change was refused: it did not carry the console's CSRF token or did not come from the "
                    + "console's own origin. Reload the console page and try again."),
    MALFORMED_REQUEST(400, "invalid_request_error", "malformed_request", false, NextAction.FIX_REQUEST,
            "the bytes on the wire are not a valid HTTP/1.1 request (header syntax, a NUL, conflicting lengths, a "
                    + "bad chunk size, an unknown protocol version, a path that does not decode)",
            "The HTTP request could not be read: {why}."),
    REQUEST_TIMEOUT(408, "invalid_request_error", "request_timeout", true, NextAction.RETRY_LATER,
            "the client sent its headers or body too slowly",
            "The request was not received in time: {why}."),
    URI_TOO_LONG(414, "invalid_request_error", "uri_too_long", false, NextAction.FIX_REQUEST,
            "the request line is longer than the gateway accepts",
            "The request URL is longer than {max} bytes."),
    EXPECTATION_FAILED(417, "invalid_request_error", "expectation_failed", false, NextAction.FIX_REQUEST,
            "an Expect header other than 100-continue",
            "Unsupported 'Expect: {value}': only '100-continue' is supported."),
    HEADERS_TOO_LARGE(431, "invalid_request_error", "request_header_fields_too_large", false,
            NextAction.FIX_REQUEST,
            "the request headers are larger than the gateway accepts",
            "The request headers are larger than {max} bytes."),
    TOO_MANY_CONNECTIONS(429, "requests", "too_many_connections", true, NextAction.SLOW_DOWN,
            "the client address holds more open connections than the gateway allows one address",
            "Too many open connections from your address (limit {max}). Reuse connections or close idle ones."),
    TOO_MANY_BODY_BYTES(429, "requests", "too_many_body_bytes", true, NextAction.SLOW_DOWN,
            "the API key has more request-body bytes in flight at once than the gateway allows one key",
            "Too many request bodies are being received for this API key at once (limit {max} bytes). "
                    + "Wait for earlier requests to finish.");

    /** Where unknown_url points callers. */
    public static final String DOCS_URL = "https://platform.openai.com/docs/api-reference";

    private final int status;
    private final String type;
    private final String code;
    private final boolean shouldRetry;
    private final NextAction nextAction;
    private final String condition;
    private final String template;

    ErrorKind(int status, String type, String code, boolean shouldRetry, NextAction nextAction, String condition,
              String template) {
        this.status = status;
        this.type = type;
        this.code = code;
        this.shouldRetry = shouldRetry;
        this.nextAction = nextAction;
        this.condition = condition;
        this.template = template;
    }

    public int status() { return status; }

    public String type() { return type; }

    /** The {@code code} field, or null (invalid JSON and missing parameters carry none, as OpenAI's). */
    public String code() { return code; }

    /** The value of {@code x-should-retry}: whether the same request can succeed later. */
    public boolean shouldRetry() { return shouldRetry; }

    public NextAction nextAction() { return nextAction; }

    /** What causes this error, in words (for {@code sluice explain}). */
    public String condition() { return condition; }

    public String template() { return template; }

    /** The error with no param. */
    public ApiError error(String... vars) {
        return errorAt(null, vars);
    }

    /**
     * Fills the template. {@code vars} alternate name and value; every placeholder must be given (a missing one is a
     * programming error and throws, so tests catch it).
     */
    public ApiError errorAt(String param, String... vars) {
        if (vars.length % 2 != 0) throw new IllegalArgumentException("vars must be name/value pairs");
        StringBuilder out = new StringBuilder(template.length() + 64);
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            int close;
            if (c == '{' && (close = template.indexOf('}', i)) > i) {
                String name = template.substring(i + 1, close);
                out.append(lookup(name, param, vars));
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return new ApiError(out.toString(), type, param, code);
    }

    private String lookup(String name, String param, String[] vars) {
        for (int v = 0; v < vars.length; v += 2) {
            if (vars[v].equals(name)) return String.valueOf(vars[v + 1]);
        }
        if (name.equals("param") && param != null) return param;
        if (name.equals("docs")) return DOCS_URL;
        throw new IllegalArgumentException(name() + ": no value for {" + name + "}");
    }

    /**
     * The catalogue row an answer belongs to, from what is on the wire. Exact (status, code, type) first; then the
     * status alone decides the nearest generic row. Empty for statuses the catalogue does not know (e.g. 418).
     */
    public static Optional<ErrorKind> match(int status, String type, String code) {
        List<ErrorKind> sameStatus = new ArrayList<>();
        for (ErrorKind k : values()) {
            if (k.status == status) sameStatus.add(k);
        }
        if (code != null) {
            for (ErrorKind k : sameStatus) {
                if (code.equals(k.code) && (type == null || type.equals(k.type))) return Optional.of(k);
            }
            for (ErrorKind k : sameStatus) {
                if (code.equals(k.code)) return Optional.of(k);
            }
        }
        if (code == null) {
            for (ErrorKind k : sameStatus) {
                if (k.code == null) return Optional.of(k);
            }
        }
        if (status == 429) {
            if ("insufficient_quota".equals(type)) return Optional.of(INSUFFICIENT_QUOTA);
            if ("tokens".equals(type)) return Optional.of(RATE_LIMIT_TOKENS);
            return Optional.of(RATE_LIMIT_REQUESTS);
        }
        return forStatus(status);
    }

    /** The generic row for a status alone. */
    public static Optional<ErrorKind> forStatus(int status) {
        return Optional.ofNullable(switch (status) {
            case 400 -> INVALID_VALUE;
            case 401 -> INVALID_API_KEY;
            case 403 -> MODEL_NOT_ALLOWED;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 409 -> CONFLICT;
            case 413 -> REQUEST_TOO_LARGE;
            case 422 -> UNPROCESSABLE_ENTITY;
            case 429 -> RATE_LIMIT_REQUESTS;
            case 500 -> INTERNAL_ERROR;
            case 502 -> BAD_GATEWAY;
            case 503 -> UPSTREAM_UNAVAILABLE;
            case 504 -> UPSTREAM_TIMEOUT;
            default -> status > 500 ? INTERNAL_ERROR : null;
        });
    }
}
