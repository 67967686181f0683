package dev.sluice.sim.internal.azure;

import dev.sluice.sim.internal.Dialect;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Fields;
import dev.sluice.sim.internal.NativeError;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.SimError;
import dev.sluice.sim.internal.SimRoutes;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Azure OpenAI's errors: the model's own rejections in OpenAI's shape, the service's as
 * {@code {"error":{"code":"<string>","message":…}}}. {@code status=N} picks the row of that status; {@code error=}
 * names {@code content_filter} (400 with {@code innererror.content_filter_result}) or any row by name.
 */
final class AzureDialect implements Dialect {

    enum Row {
        BAD_REQUEST("bad_request", 400, "{\"error\":{\"message\":\"Invalid value for 'temperature': the simulator was "
                + "asked to reject this request (a 429 in a message is not a rate limit).\",\"type\":"
                + "\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"invalid_value\"}}"),
        CONTENT_FILTER("content_filter", 400, "{\"error\":{\"message\":\"The response was filtered due to the prompt "
                + "triggering Azure OpenAI's content management policy. Please modify your prompt and retry.\","
                + "\"type\":null,\"param\":\"prompt\",\"code\":\"content_filter\",\"status\":400,\"innererror\":{"
                + "\"code\":\"ResponsibleAIPolicyViolation\",\"content_filter_result\":{\"hate\":{\"filtered\":true,"
                + "\"severity\":\"high\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{"
                + "\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}}}}}"),
        UNAUTHORIZED("unauthorized", 401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid "
                + "subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription "
                + "and use a correct regional API endpoint for your resource.\"}}"),
        FORBIDDEN("forbidden", 403, "{\"error\":{\"code\":\"403\",\"message\":\"Public access is disabled. Please "
                + "configure private endpoint.\"}}"),
        DEPLOYMENT_NOT_FOUND("deployment_not_found", 404, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":"
                + "\"The API deployment for this resource does not exist. If you created the deployment within the "
                + "last 5 minutes, please wait a moment and try again.\"}}"),
        CONFLICT("conflict", 409, "{\"error\":{\"code\":\"409\",\"message\":\"Conflict.\"}}"),
        UNPROCESSABLE("unprocessable", 422, "{\"error\":{\"message\":\"The request could not be processed.\",\"type\":"
                + "\"invalid_request_error\",\"param\":null,\"code\":null}}"),
        RATE_LIMIT("rate_limit", 429, "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the "
                + "ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate "
                + "limit of your current OpenAI S0 pricing tier. Please retry after 1 second.\"}}"),
        SERVER_ERROR("server_error", 500, "{\"error\":{\"code\":\"InternalServerError\",\"message\":\"The service "
                + "encountered an internal error.\"}}"),
        BAD_GATEWAY("bad_gateway", 502, "{\"error\":{\"code\":\"502\",\"message\":\"Bad gateway.\"}}"),
        UNAVAILABLE("unavailable", 503, "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"The service is "
                + "temporarily unable to process your request. Please try again later.\"}}"),
        TIMEOUT("timeout", 504, "{\"error\":{\"code\":\"Timeout\",\"message\":\"The operation was timeout.\"}}");

        final String name;
        final int status;
        final String body;

        Row(String name, int status, String body) {
            this.name = name;
            this.status = status;
            this.body = body;
        }

        static Row of(Directives d, int status) {
            if (d.error() != null) {
                return Arrays.stream(values()).filter(r -> r.name.equals(d.error())).findFirst()
                        .orElseThrow(() -> Fields.invalid(SimRoutes.SIM_HEADER, "unknown azure error '" + d.error()
                                + "' (known: " + Arrays.stream(values()).map(r -> r.name).toList() + ")"));
            }
            int s = status >= 0 ? status : 500;
            return Arrays.stream(values()).filter(r -> r.status == s && r != CONTENT_FILTER).findFirst()
                    .orElse(SERVER_ERROR);
        }

        NativeError error(Exchange ex) {
            Map<String, String> h = new LinkedHashMap<>();
            if (status == 429 || status == 503) h.put("retry-after", "1");
            if (status == 429) h.put("x-ratelimit-remaining-requests", "0");
            h.put("apim-request-id", stamp(ex));
            return new NativeError(status, body, h);
        }
    }

    /** Azure's request id of this exchange (set once, on success and error answers alike). */
    static String stamp(Exchange ex) {
        String id = ex.response().headers().get("apim-request-id");
        if (id != null) return id;
        id = UUID.nameUUIDFromBytes(ex.requestId().getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        ex.response().putHeader("apim-request-id", id);
        return id;
    }

    @Override
    public NativeError fault(Exchange ex, int status, Directives d, SimCall call) {
        return Row.of(d, status).error(ex);
    }

    @Override
    public NativeError rejected(Exchange ex, SimError e) {
        NativeError openai = Dialect.OPENAI.rejected(ex, e);
        stamp(ex);
        return openai;
    }
}
