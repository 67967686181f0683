package dev.sluice.gateway.console;

import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.upstream.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.console.Html.esc;

/**
 * The Traffic health fragment: every deployment with its circuit-breaker state, the last five minutes' attempts and
 * retries and failures by class, admission control's limit and shedding, Slow Down and rate-limit refusals since
 * start (from the gateway's meters), each with its runbook line from docs/errors.md. The page polls it.
 */
final class Health {
    private final ConsoleData data;

    Health(ConsoleData data) {
        this.data = data;
    }

    String html() {
        StringBuilder b = new StringBuilder();
        Map<String, CircuitBreaker.State> states = data.breakers().states();
        List<List<String>> rows = new ArrayList<>();
        for (ModelSpec m : data.catalog().all()) {
            for (Deployment d : m.deployments()) {
                CircuitBreaker.State s = states.getOrDefault(m.id() + "/" + d.name(), CircuitBreaker.State.CLOSED);
                String state = s.name().toLowerCase().replace('_', '-');
                rows.add(List.of(esc(m.id()), esc(d.name()), esc(d.provider()),
                        "<span class=\"breaker " + state + "\">" + state + "</span>"));
            }
        }
        b.append(Html.table("Deployments and their circuit breakers", List.of("Model", "Deployment", "Provider",
                "Breaker"), rows, "deployments"));
        if (states.containsValue(CircuitBreaker.State.OPEN)) b.append(runbook("upstream_unavailable"));

        long now = data.series().currentMinute();
        TrafficSeries.Point p = data.series().total(now - 4, now);
        rows = new ArrayList<>();
        rows.add(List.of("Requests", String.valueOf(p.requests())));
        rows.add(List.of("Upstream attempts", String.valueOf(p.attempts())));
        rows.add(List.of("Requests that needed a retry", String.valueOf(p.retried())));
        for (ErrorClass c : ErrorClass.values()) rows.add(List.of(esc(c.label()), String.valueOf(p.failures()[c.ordinal()])));
        b.append(Html.table("Last five minutes", List.of("What", "Count"), rows, "recent"));

        rows = new ArrayList<>();
        rows.add(List.of("Concurrency limit", gauge("sluice_admission_limit")));
        rows.add(List.of("In flight", gauge("sluice_admission_in_flight")));
        rows.add(List.of("Queued", gauge("sluice_admission_queued")));
        rows.add(List.of("Shed (queue full / queue timeout)", count("sluice_admission_shed", "reason", "queue_full")
                + " / " + count("sluice_admission_shed", "reason", "queue_timeout")));
        rows.add(List.of("Slow Down refusals", count("sluice_slow_down_refused", null, null)));
        rows.add(List.of("Rate-limit refusals", count("sluice_rate_limited", null, null)));
        rows.add(List.of("Quota refusals", count("sluice_quota_refused", null, null)));
        b.append(Html.table("Admission control and refusals since start", List.of("What", "Value"), rows, "admission"));
        b.append("<h2>Runbook</h2><ul class=\"runbook\">");
        for (String code : List.of("server_overloaded", "slow_down", "rate_limit_exceeded", "insufficient_quota",
                "upstream_unavailable", "upstream_timeout", "bad_gateway")) {
            String line = data.runbook().line(code);
            if (line != null) b.append("<li>").append(esc(line)).append("</li>");
        }
        return b.append("</ul>").toString();
    }

    private String runbook(String code) {
        String line = data.runbook().line(code);
        return line == null ? "" : "<p class=\"runbook\">" + esc(line) + "</p>";
    }

    private String gauge(String name) {
        Gauge g = data.metrics().find(name).gauge();
        return g == null ? "—" : String.valueOf(Math.round(g.value()));
    }

    private String count(String name, String tag, String value) {
        var search = data.metrics().find(name);
        if (tag != null) search = search.tag(tag, value);
        double sum = 0;
        for (Counter c : search.counters()) sum += c.count();
        return String.valueOf(Math.round(sum));
    }
}
