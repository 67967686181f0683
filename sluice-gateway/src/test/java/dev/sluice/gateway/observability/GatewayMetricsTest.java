package dev.sluice.gateway.observability;

import dev.sluice.gateway.usage.FinishedRequest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** How one finished request is classified: the error side, the idempotency outcome. */
class GatewayMetricsTest {
    static FinishedRequest request(int status, String code, boolean streamFailed, boolean replay) {
        return new FinishedRequest("POST", "/v1/chat/completions", "CHAT_COMPLETIONS", true, status, code, null,
                1_000_000, -1, 10, 5, 1, streamFailed, streamFailed, "sim-mini", "sim", "sim", "sim-mini", "proj_a",
                null, replay);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({"400, invalid_value, client, invalid_request_error", "500, internal_error, gateway, server_error",
            "503, server_overloaded, gateway, server_error", "502, bad_gateway, upstream, server_error",
            "504, upstream_timeout, upstream, server_error", "429, insufficient_quota, client, insufficient_quota"})
    void errorsAreCountedWithTheirTypeAndSide(int status, String code, String side, String type) {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new GatewayMetrics(r, ProjectLabels.capped(10)).finished(request(status, code, false, false));
        assertThat(r.scrape()).contains("sluice_errors_total{code=\"" + code + "\",side=\"" + side + "\",status=\""
                + status + "\",type=\"" + type + "\"} 1.0");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"replay, 200, , true", "conflict, 409, idempotency_key_reused, false",
            "in_progress, 409, idempotency_key_in_use, false"})
    void idempotencyOutcomesAreCounted(String outcome, int status, String code, boolean replay) {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new GatewayMetrics(r, ProjectLabels.capped(10)).finished(request(status, code, false, replay));
        assertThat(r.scrape()).contains("sluice_idempotency_total{outcome=\"" + outcome + "\"} 1.0");
    }
}
