package dev.sluice.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.sluice.gateway.console.Html.esc;
import static dev.sluice.gateway.console.Html.text;
import static dev.sluice.gateway.console.Pages.form;
import static dev.sluice.gateway.console.Pages.input;
import static dev.sluice.gateway.console.Pages.select;

/**
 * Limits and money (rate limits edited in place, headroom, budgets, credits) and usage and costs (with the CSV export).
 */
final class MoneyPages {
    private static final List<String> LIMIT_FIELDS = List.of("max_requests_per_1_minute", "max_tokens_per_1_minute",
            "max_images_per_1_minute", "max_requests_per_1_day", "max_tokens_per_1_day");
    private static final List<String> LIMIT_LABELS = List.of("RPM", "TPM", "IPM", "RPD", "TPD");

    private final Pages p;

    MoneyPages(Pages p) {
        this.p = p;
    }

    // ---- Limits and money ----

    void limits(RoutingContext ctx) {
        p.org(ctx).compose(org -> p.get(ctx, "/organization/projects?limit=100", org.id()).compose(projects -> {
            String pid = ctx.request().getParam("project");
            if (pid == null && !projects.path("data").isEmpty()) pid = projects.path("data").get(0).path("id").asText();
            String project = pid;
            List<Future<?>> fs = new ArrayList<>(List.of(
                    p.get(ctx, "/organizations/" + org.id() + "/rate_limits", org.id()),
                    p.get(ctx, "/organizations/" + org.id() + "/budget", org.id()),
                    p.get(ctx, "/organizations/" + org.id() + "/credit_grants", org.id())));
            if (project != null) {
                String base = "/organization/projects/" + project;
                fs.add(p.get(ctx, base + "/rate_limits", org.id()));
                fs.add(p.get(ctx, base + "/budget", org.id()));
                fs.add(p.get(ctx, base + "/credit_grants", org.id()));
                fs.add(headroom(org.id(), project));
            }
            return Future.all(fs).onSuccess(all -> {
                StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/console/limits\" class=\"inline\">")
                        .append("<input type=\"hidden\" name=\"org\" value=\"").append(esc(org.id())).append("\">")
                        .append("<label for=\"project\">Project</label><select id=\"project\" name=\"project\">");
                for (JsonNode pr : projects.path("data")) {
                    String id = pr.path("id").asText();
                    b.append("<option value=\"").append(esc(id)).append('"').append(id.equals(project) ? " selected" : "")
                            .append('>').append(text(pr, "name")).append("</option>");
                }
                b.append("</select><button type=\"submit\">Show</button></form>");
                b.append("<section><h2>Organization</h2>")
                        .append(limitTable("/organizations/" + org.id() + "/rate_limits", all.resultAt(0), "org-limits"))
                        .append(money("/organizations/" + org.id(), all.resultAt(1), all.resultAt(2))).append("</section>");
                if (project != null) {
                    String base = "/organization/projects/" + project;
                    b.append("<section><h2>Project <code>").append(esc(project)).append("</code></h2>")
                            .append(limitTable(base + "/rate_limits", all.resultAt(3), "project-limits"))
                            .append(all.<String>resultAt(6))
                            .append(money(base, all.resultAt(4), all.resultAt(5))).append("</section>");
                }
                p.render(ctx, "Limits and money", "/console/limits", org, b.toString(), false);
            });
        })).onFailure(ctx::fail);
    }

    /** What the limiter would still let through now, per family, organization and project limit. */
    private Future<String> headroom(String orgId, String projectId) {
        List<String> families = p.data().catalog().all().stream().map(m -> m.family()).distinct().toList();
        List<Future<List<dev.sluice.gateway.limits.RateLimiter.Headroom>>> fs = new ArrayList<>();
        for (String f : families) fs.add(p.data().limiter().headroom(orgId, projectId, f));
        return Future.all(fs).map(all -> {
            List<List<String>> rows = new ArrayList<>();
            for (int i = 0; i < families.size(); i++) {
                for (var h : all.<List<dev.sluice.gateway.limits.RateLimiter.Headroom>>resultAt(i)) {
                    rows.add(List.of(esc(families.get(i)), esc(h.scope().name().toLowerCase(java.util.Locale.ROOT)),
                            esc(h.kind().abbreviation()), String.valueOf(h.limit()), String.valueOf(h.remaining())));
                }
            }
            return Html.table("Headroom now, from the limiter", List.of("Family", "Scope", "Limit", "Capacity",
                    "Remaining"), rows, "headroom");
        });
    }

    /** One row per model family; each row is a form that saves its limits in place through the admin API. */
    private static String limitTable(String path, JsonNode limits, String id) {
        StringBuilder b = new StringBuilder("<div class=\"table-wrap\"><table id=\"").append(id)
                .append("\"><caption>Rate limits per model family (empty: no limit)</caption><thead><tr>")
                .append("<th scope=\"col\">Family</th>");
        for (String l : LIMIT_LABELS) b.append("<th scope=\"col\">").append(l).append("</th>");
        b.append("<th scope=\"col\">Save</th></tr></thead><tbody>");
        for (JsonNode l : limits.path("data")) {
            String family = l.path("model").asText();
            String formId = id + "-" + family;
            b.append("<tr><th scope=\"row\">").append(esc(family)).append("</th>");
            for (int i = 0; i < LIMIT_FIELDS.size(); i++) {
                String f = LIMIT_FIELDS.get(i);
                b.append("<td><input form=\"").append(esc(formId)).append("\" name=\"").append(f)
                        .append("\" type=\"number\" data-type=\"int\" data-null-empty min=\"1\" aria-label=\"")
                        .append(LIMIT_LABELS.get(i)).append(" for ").append(esc(family)).append("\" value=\"")
                        .append(text(l, f)).append("\"></td>");
            }
            b.append("<td><form id=\"").append(esc(formId)).append("\" data-api=\"").append(esc(path + "/rl-" + family))
                    .append("\" data-method=\"POST\"><button type=\"submit\">Save</button><output role=\"alert\"></output>")
                    .append("</form></td></tr>");
        }
        return b.append("</tbody></table></div>").toString();
    }

    private static String money(String base, JsonNode budget, JsonNode grants) {
        StringBuilder b = new StringBuilder("<h3>Budget, credits and quota state</h3><dl class=\"facts\">");
        for (String[] f : new String[][] {{"month", "Month"}, {"monthly_budget_usd", "Monthly budget (USD)"},
                {"spend_this_month_usd", "Spent this month (USD)"}, {"reserved_usd", "Reserved by requests in flight (USD)"},
                {"credits_granted_usd", "Credits granted (USD)"}, {"credits_remaining_usd", "Credits remaining (USD)"},
                {"quota_exhausted", "Quota exhausted"}}) {
            b.append("<dt>").append(f[1]).append("</dt><dd>").append(budget.path(f[0]).isNull() ? "—" : text(budget, f[0]))
                    .append("</dd>");
        }
        b.append("</dl>").append(form(base + "/budget", "POST", "Set budget", null, null,
                input("monthly_budget_usd", "Monthly budget in USD (empty: none)", "number", false)));
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode g : grants.path("data")) {
            rows.add(List.of(text(g, "amount_usd"), text(g, "note"), Html.time(g.get("created_at"))));
        }
        return b.append(Html.table("Credit grants", List.of("Amount (USD)", "Note", "Granted"), rows, null))
                .append(form(base + "/credit_grants", "POST", "Grant credits", null, null,
                        input("amount_usd", "Amount in USD", "number", true) + input("note", "Note", "text", false)))
                .toString();
    }

    // ---- Usage and costs ----

    void usage(RoutingContext ctx) {
        String group = group(ctx);
        int days = days(ctx);
        p.org(ctx).compose(org -> costs(ctx, org, group, days).onSuccess(rows -> {
            StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/console/usage\" class=\"inline\">")
                    .append("<input type=\"hidden\" name=\"org\" value=\"").append(esc(org.id())).append("\">")
                    .append(select("group_by", "Group by", List.of("project_id", "model", "api_key_id", "day"), group))
                    .append("<label for=\"days\">Days</label><input id=\"days\" name=\"days\" type=\"number\" min=\"1\" max=\"31\" value=\"")
                    .append(days).append("\"><button type=\"submit\">Show</button></form>")
                    .append("<p><a id=\"csv\" href=\"/console/usage.csv?org=").append(esc(org.id())).append("&amp;group_by=")
                    .append(esc(group)).append("&amp;days=").append(days).append("\" download>Export CSV</a></p>");
            List<List<String>> cells = new ArrayList<>();
            for (List<String> r : rows.subList(1, rows.size())) cells.add(r.stream().map(Html::esc).toList());
            b.append(Html.table("Usage and costs, last " + days + " days, by " + group, rows.getFirst(), cells, "usage"));
            p.render(ctx, "Usage and costs", "/console/usage", org, b.toString(), false);
        })).onFailure(ctx::fail);
    }

    void usageCsv(RoutingContext ctx) {
        String group = group(ctx);
        int days = days(ctx);
        p.org(ctx).compose(org -> costs(ctx, org, group, days)).onSuccess(rows -> {
            StringBuilder csv = new StringBuilder();
            for (List<String> r : rows) csv.append(String.join(",", r.stream().map(MoneyPages::csvCell).toList())).append("\r\n");
            ctx.response().putHeader("content-type", "text/csv; charset=utf-8")
                    .putHeader("content-disposition", "attachment; filename=\"sluice-usage-" + group + ".csv\"")
                    .end(csv.toString());
        }).onFailure(ctx::fail);
    }

    /** A header row, then one row per day and group, from the admin API's completions usage and costs. */
    private Future<List<List<String>>> costs(RoutingContext ctx, Pages.Org org, String group, int days) {
        long end = (p.data().clock().millis() / 86_400_000L + 1) * 86_400L;
        long start = end - days * 86_400L;
        String grouping = "day".equals(group) ? "" : "&group_by=" + group;
        String range = "?bucket_width=1d&start_time=" + start + "&end_time=" + end + "&limit=31";
        return Future.all(p.get(ctx, "/organization/usage/completions" + range + grouping, org.id()),
                p.get(ctx, "/organization/costs" + range + ("day".equals(group) ? "" : "&group_by="
                        + ("model".equals(group) ? "line_item" : group)), org.id())).map(all -> {
            JsonNode usage = all.resultAt(0), costs = all.resultAt(1);
            java.util.Map<String, double[]> money = new java.util.HashMap<>();
            for (JsonNode bucket : costs.path("data")) {
                for (JsonNode r : bucket.path("results")) {
                    String g = "day".equals(group) ? "" : r.path("model".equals(group) ? "line_item" : group).asText("");
                    money.computeIfAbsent(bucket.path("start_time").asLong() + "|" + g, k -> new double[1])[0] +=
                            r.path("amount").path("value").asDouble();
                }
            }
            List<List<String>> rows = new ArrayList<>();
            rows.add("day".equals(group) ? List.of("day", "requests", "input_tokens", "output_tokens", "cost_usd")
                    : List.of("day", group, "requests", "input_tokens", "output_tokens", "cost_usd"));
            for (JsonNode bucket : usage.path("data")) {
                String day = LocalDate.ofInstant(Instant.ofEpochSecond(bucket.path("start_time").asLong()), ZoneOffset.UTC)
                        .toString();
                for (JsonNode r : bucket.path("results")) {
                    String g = "day".equals(group) ? "" : r.path(group).asText("");
                    double[] cost = money.get(bucket.path("start_time").asLong() + "|" + g);
                    List<String> row = new ArrayList<>(List.of(day));
                    if (!"day".equals(group)) row.add(g);
                    row.addAll(List.of(r.path("num_model_requests").asText("0"), r.path("input_tokens").asText("0"),
                            r.path("output_tokens").asText("0"), String.format("%.6f", cost == null ? 0 : cost[0])));
                    rows.add(row);
                }
            }
            return rows;
        });
    }

    private static String csvCell(String s) {
        String v = s == null ? "" : s;
        // a leading = + - @ would be a formula in a spreadsheet
        if (!v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0 && !v.matches("-?[0-9.]+")) v = "'" + v;
        return v.matches("[^,\"\r\n]*") ? v : "\"" + v.replace("\"", "\"\"") + "\"";
    }

    private static String group(RoutingContext ctx) {
        String g = ctx.request().getParam("group_by");
        return g != null && Set.of("project_id", "model", "api_key_id", "day").contains(g) ? g : "project_id";
    }

    private static int days(RoutingContext ctx) {
        try {
            return Math.max(1, Math.min(31, Integer.parseInt(ctx.request().getParam("days", "7"))));
        } catch (NumberFormatException e) {
            return 7;
        }
    }
}
