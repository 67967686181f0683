package dev.sluice.gateway.observability;

import dev.sluice.gateway.usage.FinishedRequest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** 10,000 distinct projects never make more project label values than the allow-list plus the cap plus "other". */
class LabelCardinalityTest {
    private static final Pattern PROJECT = Pattern.compile("project=\"([^\"]*)\"");

    static FinishedRequest request(String project, int status, String code) {
        return new FinishedRequest("POST", "/v1/chat/completions", "CHAT_COMPLETIONS", true, status, code, null,
                1_000_000, -1, 10, 5, 1, false, false, "sim-mini", "sim", "sim", "sim-mini", project, null, false);
    }

    @ParameterizedTest(name = "cap {0}")
    @CsvSource({"0", "25", "100"})
    void tenThousandProjectsStayUnderTheConfiguredCap(int cap) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GatewayMetrics m = new GatewayMetrics(registry, new ProjectLabels(List.of("proj_vip"), cap));
        for (int i = 0; i < 10_000; i++) {
            String project = "proj_" + i;
            m.finished(request(project, i % 10 == 0 ? 429 : 200, i % 10 == 0 ? "rate_limit_exceeded" : null));
            m.headroom(project, "sim-mini", "requests", 10 - i % 10, 10);
        }
        m.finished(request("proj_vip", 200, null));
        m.headroom("proj_vip", "sim-mini", "requests", 5, 10);
        String text = registry.scrape();

        Set<String> requestProjects = projects(text, "sluice_project_requests_total");
        assertThat(requestProjects).hasSizeLessThanOrEqualTo(cap + 2).contains("proj_vip");
        if (cap < 10_000) assertThat(requestProjects).contains("other");
        Set<String> headroomProjects = projects(text, "sluice_rate_limit_headroom_ratio");
        assertThat(headroomProjects).hasSizeLessThanOrEqualTo(cap + 1).contains("proj_vip").doesNotContain("other");
        long series = text.lines().filter(l -> l.startsWith("sluice_project_requests_total{")
                || l.startsWith("sluice_rate_limit_headroom_ratio{")).count();
        assertThat(series).isLessThanOrEqualTo(2L * (cap + 2) + cap + 1);
        // every request is still counted, under its own label or under "other"
        double total = text.lines().filter(l -> l.startsWith("sluice_project_requests_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(total).isEqualTo(10_001);
        assertThat(text).contains("sluice_rate_limit_headroom_ratio{family=\"sim-mini\",limit=\"requests\","
                + "project=\"proj_vip\"} 0.5");
    }

    @Test
    void madeUpMethodsShareOneOtherSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GatewayMetrics m = new GatewayMetrics(registry, ProjectLabels.capped(10));
        for (int i = 0; i < 1_000; i++) {
            m.finished(new FinishedRequest("BREW" + i, "unmatched", null, false, 404, "unknown_url",
                    "invalid_request_error", 1_000_000, -1, 0, 0, 0, false, false, null, null, null, null, null, null,
                    false));
        }
        m.finished(new FinishedRequest("GET", "unmatched", null, false, 404, "unknown_url", "invalid_request_error",
                1_000_000, -1, 0, 0, 0, false, false, null, null, null, null, null, null, false));
        Set<String> methods = new TreeSet<>();
        Pattern method = Pattern.compile("http_request_method=\"([^\"]*)\"");
        registry.scrape().lines().filter(l -> l.startsWith("http_server_request_duration_seconds_count{")).forEach(l -> {
            Matcher mm = method.matcher(l);
            if (mm.find()) methods.add(mm.group(1));
        });
        assertThat(methods).containsExactly("GET", "_OTHER");
        assertThat(registry.scrape()).contains("http_server_request_duration_seconds_count{error_type=\"404\","
                + "http_request_method=\"_OTHER\",http_response_status_code=\"404\",http_route=\"unmatched\"} 1000");
    }

    private static Set<String> projects(String text, String name) {
        Set<String> out = new TreeSet<>();
        text.lines().filter(l -> l.startsWith(name + "{")).forEach(l -> {
            Matcher mm = PROJECT.matcher(l);
            if (mm.find()) out.add(mm.group(1));
        });
        return out;
    }
}
