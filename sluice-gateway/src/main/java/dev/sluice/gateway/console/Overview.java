package dev.sluice.gateway.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.gateway.quota.UsageQueries;
import dev.sluice.gateway.store.StorageSettings;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static dev.sluice.gateway.console.Html.esc;

/**
 * The overview's numbers: the last hour and day from the in-memory {@link TrafficSeries} (one point per minute, or
 * per ten minutes for the day), the last 30 days from the usage ledger (one point per day; the ledger holds model
 * requests only and no latencies).
 */
final class Overview {
    private final ConsoleData data;

    Overview(ConsoleData data) {
        this.data = data;
    }

    /** Chart data for uPlot: {@code t} in epoch seconds and one array per series. Blocking for the month. */
    ObjectNode json(String range) {
        List<TrafficSeries.Point> points = points(range);
        long step = step(range);
        ObjectNode out = AdminCalls.JSON.createObjectNode().put("range", range).put("step_seconds", step)
                .put("source", "month".equals(range) ? "usage ledger (model requests)" : "memory");
        ArrayNode t = out.putArray("t"), rps = out.putArray("requests_per_second"), p50 = out.putArray("latency_p50_ms"),
                p99 = out.putArray("latency_p99_ms"), f50 = out.putArray("ttft_p50_ms"), f99 = out.putArray("ttft_p99_ms"),
                in = out.putArray("tokens_in_per_minute"), outT = out.putArray("tokens_out_per_minute");
        ArrayNode classes = out.putArray("classes");
        List<ArrayNode> perClass = new ArrayList<>();
        for (ErrorClass c : ErrorClass.values()) {
            ObjectNode n = classes.addObject().put("label", c.label()).put("key", c.name().toLowerCase());
            perClass.add(n.putArray("per_second"));
        }
        for (TrafficSeries.Point p : points) {
            t.add(p.minute() * 60);
            rps.add(round(p.requests() / (double) step));
            for (int i = 0; i < perClass.size(); i++) perClass.get(i).add(round(p.failures()[i] / (double) step));
            p50.add(p.latencyP50Ms());
            p99.add(p.latencyP99Ms());
            f50.add(p.ttftP50Ms());
            f99.add(p.ttftP99Ms());
            in.add(round(p.tokensIn() * 60.0 / step));
            outT.add(round(p.tokensOut() * 60.0 / step));
        }
        return out;
    }

    /** The range's totals as an HTML table (what the page shows without JavaScript). */
    String summary(String range) {
        TrafficSeries.Point total;
        if ("month".equals(range)) {
            long[] failures = new long[ErrorClass.values().length];
            long req = 0, in = 0, out = 0, attempts = 0, retried = 0;
            for (TrafficSeries.Point p : points(range)) {
                req += p.requests();
                in += p.tokensIn();
                out += p.tokensOut();
                attempts += p.attempts();
                retried += p.retried();
                for (int i = 0; i < failures.length; i++) failures[i] += p.failures()[i];
            }
            total = new TrafficSeries.Point(0, req, failures, in, out, attempts, retried, 0, 0, 0, 0);
        } else {
            long now = data.series().currentMinute();
            total = data.series().total(now - ("day".equals(range) ? 1439 : 59), now);
        }
        StringBuilder b = new StringBuilder("<div class=\"table-wrap\"><table id=\"summary\"><caption>Totals, ")
                .append("hour".equals(range) ? "last hour" : "day".equals(range) ? "last day" : "last 30 days (model requests)")
                .append("</caption><tbody>");
        row(b, "Requests", total.requests());
        for (ErrorClass c : ErrorClass.values()) row(b, c.label(), total.failures()[c.ordinal()]);
        row(b, "Upstream attempts", total.attempts());
        row(b, "Requests retried", total.retried());
        if (!"month".equals(range)) {
            row(b, "Latency p50 / p99 (ms)", total.latencyP50Ms() + " / " + total.latencyP99Ms());
            row(b, "Time to first token p50 / p99 (ms)", total.ttftP50Ms() + " / " + total.ttftP99Ms());
        }
        row(b, "Tokens in / out", total.tokensIn() + " / " + total.tokensOut());
        return b.append("</tbody></table></div>").toString();
    }

    private static void row(StringBuilder b, String label, Object value) {
        b.append("<tr><th scope=\"row\">").append(esc(label)).append("</th><td data-class=\"").append(esc(label))
                .append("\">").append(esc(value)).append("</td></tr>");
    }

    private static long step(String range) {
        return switch (range) {
            case "day" -> 600;
            case "month" -> 86_400;
            default -> 60;
        };
    }

    private List<TrafficSeries.Point> points(String range) {
        TrafficSeries s = data.series();
        long now = s.currentMinute();
        return switch (range) {
            case "day" -> {
                List<TrafficSeries.Point> out = new ArrayList<>();
                long first = (now - 1439) / 10 * 10;
                for (long m = first; m <= now; m += 10) {
                    TrafficSeries.Point p = s.total(m, Math.min(m + 9, now));
                    out.add(new TrafficSeries.Point(m, p.requests(), p.failures(), p.tokensIn(), p.tokensOut(),
                            p.attempts(), p.retried(), p.latencyP50Ms(), p.latencyP99Ms(), p.ttftP50Ms(), p.ttftP99Ms()));
                }
                yield out;
            }
            case "month" -> ledgerDays(now / 1440 - 29, now / 1440);
            default -> s.points(now - 59, now);
        };
    }

    /**
     * Per day (from {@code ?}, the range {@code [?, ?)}) and outcome: requests, tokens, attempts, retried requests. On
     * SQLite the range is read organization by organization through the ledger's {@code (org_id, created_at)} index
     * ({@link UsageQueries#LEDGER_ORGS}); it has no index on the time alone.
     */
    static String ledgerDays(StorageSettings.Kind kind) {
        return UsageQueries.rangePrefix(kind)
                + "SELECT (created_at - ?) / 86400000 AS d, status, error_code, outcome, stream, COUNT(*), "
                + "SUM(prompt_tokens), SUM(completion_tokens), SUM(attempts), SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) "
                + "FROM usage_ledger WHERE " + UsageQueries.rangeCondition(kind) + "created_at >= ? AND created_at < ? "
                + "GROUP BY d, status, error_code, outcome, stream";
    }

    /** One point per day from the usage ledger: requests, failures by class, tokens, attempts. */
    private List<TrafficSeries.Point> ledgerDays(long firstDay, long lastDay) {
        int n = (int) (lastDay - firstDay + 1);
        long[][] v = new long[n][5];
        long[][] failures = new long[n][ErrorClass.values().length];
        data.db().withConnection(c -> {
            try (PreparedStatement ps = data.db().prepare(c, ledgerDays(data.db().kind()))) {
                long start = firstDay * 86_400_000L;
                ps.setLong(1, start);
                ps.setLong(2, start);
                ps.setLong(3, (lastDay + 1) * 86_400_000L);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int d = (int) rs.getLong(1);
                        if (d < 0 || d >= n) continue;
                        long count = rs.getLong(6);
                        v[d][0] += count;
                        v[d][1] += rs.getLong(7);
                        v[d][2] += rs.getLong(8);
                        v[d][3] += rs.getLong(9);
                        v[d][4] += rs.getLong(10);
                        boolean streamFailed = rs.getInt(5) == 1 && "failed".equals(rs.getString(4));
                        ErrorClass k = ErrorClass.of(rs.getInt(2), rs.getString(3), streamFailed);
                        if (k != null) failures[d][k.ordinal()] += count;
                    }
                }
            }
            return null;
        });
        List<TrafficSeries.Point> out = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            out.add(new TrafficSeries.Point((firstDay + d) * 1440, v[d][0], failures[d], v[d][1], v[d][2], v[d][3],
                    v[d][4], 0, 0, 0, 0));
        }
        return out;
    }

    /** Six significant digits: a day's single request is 1.16e-5 per second and must not round to zero. */
    private static double round(double v) {
        return v == 0 ? 0 : new java.math.BigDecimal(v).round(new java.math.MathContext(6)).doubleValue();
    }
}
