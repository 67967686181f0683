package dev.sluice.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.store.AuditEntry;
import dev.sluice.gateway.store.BatchRecord;
import dev.sluice.protocol.ErrorKind;
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
 * Overview, traffic health, batches and the audit log.
 */
final class OperationsPages {
    private final Pages p;

    OperationsPages(Pages p) {
        this.p = p;
    }

    // ---- Overview ----

    void overviewPage(RoutingContext ctx) {
        String range = Pages.range(ctx);
        p.org(ctx).compose(org -> Future.all(p.get(ctx, "/organizations/" + org.id() + "/budget", org.id()),
                p.blocking(ctx, () -> p.overview().summary(range))).onSuccess(all -> {
            JsonNode budget = all.resultAt(0);
            String summary = all.resultAt(1);
            StringBuilder b = new StringBuilder();
            b.append("<form method=\"get\" action=\"/console/\" class=\"inline\"><input type=\"hidden\" name=\"org\" value=\"")
                    .append(esc(org.id())).append("\"><label for=\"range\">Range</label><select id=\"range\" name=\"range\">");
            for (String[] o : new String[][] {{"hour", "Last hour"}, {"day", "Last day"}, {"month", "Last 30 days"}}) {
                b.append("<option value=\"").append(o[0]).append('"').append(o[0].equals(range) ? " selected" : "")
                        .append('>').append(o[1]).append("</option>");
            }
            b.append("</select><button type=\"submit\">Show</button></form>");
            b.append(spend(budget));
            b.append("<section class=\"charts\" id=\"charts\" data-range=\"").append(range).append("\">");
            for (String[] c : new String[][] {{"chart-requests", "Requests per second"},
                    {"chart-errors", "Failures per second by contract class (stacked)"},
                    {"chart-latency", "Latency and time to first token (ms)"}, {"chart-tokens", "Tokens per minute"}}) {
                b.append("<figure><figcaption>").append(c[1]).append("</figcaption><div class=\"chart\" id=\"")
                        .append(c[0]).append("\" role=\"img\" aria-label=\"").append(c[1]).append("\"></div></figure>");
            }
            b.append("</section>").append(summary);
            p.render(ctx, "Overview", "/console/", org, b.toString(), true);
        }).onFailure(ctx::fail)).onFailure(ctx::fail);
    }

    private static String spend(JsonNode budget) {
        JsonNode limit = budget.path("monthly_budget_usd");
        double spent = budget.path("spend_this_month_usd").asDouble();
        StringBuilder b = new StringBuilder("<section class=\"card\" id=\"spend\"><h2>Spend this month (")
                .append(text(budget, "month")).append(")</h2><p>$").append(String.format("%.4f", spent));
        if (limit.isNumber()) {
            b.append(" of $").append(String.format("%.2f", limit.asDouble())).append(" budget ")
                    .append("<meter min=\"0\" max=\"").append(limit.asDouble()).append("\" value=\"").append(spent)
                    .append("\" aria-label=\"spend against budget\"></meter>");
        } else {
            b.append(" (no monthly budget set)");
        }
        if (budget.path("quota_exhausted").asBoolean()) b.append(" <strong class=\"bad\">quota exhausted</strong>");
        return b.append("</p></section>").toString();
    }

    // ---- Traffic health ----

    void health(RoutingContext ctx) {
        p.blocking(ctx, () -> new Health(p.data()).html()).onSuccess(html ->
                p.render(ctx, "Traffic health", "/console/health", null,
                        "<div id=\"health\" data-poll=\"5000\">" + html + "</div>", false));
    }

    // ---- Batches ----

    void batches(RoutingContext ctx) {
        p.org(ctx).compose(org -> p.get(ctx, "/organization/projects?limit=100", org.id()).compose(projects -> {
            List<String> ids = new ArrayList<>();
            for (JsonNode pr : projects.path("data")) ids.add(pr.path("id").asText());
            String only = ctx.request().getParam("project");
            List<String> chosen = only != null && ids.contains(only) ? List.of(only) : ids;
            return p.blocking(ctx, () -> {
                List<BatchRecord> all = new ArrayList<>();
                for (String id : chosen) all.addAll(p.data().batches().records().list(id, null, 50).items());
                all.sort(java.util.Comparator.comparing((BatchRecord x) -> x.times().createdAt()).reversed());
                return all;
            }).onSuccess(list -> {
                ConsoleSessions.Session s = ctx.get(Console.SESSION);
                List<List<String>> rows = new ArrayList<>();
                for (BatchRecord x : list) {
                    BatchRecord.Counts c = x.counts();
                    int done = c.completed() + c.failed();
                    String status = x.status().wire();
                    boolean cancellable = "validating".equals(status) || "in_progress".equals(status);
                    rows.add(List.of("<code>" + esc(x.id()) + "</code>",
                            "<span class=\"status\">" + esc(status) + "</span>",
                            "<progress max=\"" + Math.max(1, c.total()) + "\" value=\"" + done + "\" aria-label=\"progress of "
                                    + esc(x.id()) + "\"></progress> " + done + " / " + c.total(),
                            c.completed() + " ok, " + c.failed() + " failed",
                            cancellable ? "<form method=\"post\" action=\"/console/batches/" + esc(x.id()) + "/cancel\""
                                    + " data-confirm=\"Cancel batch " + esc(x.id()) + "?\"><input type=\"hidden\" name=\"csrf\" value=\""
                                    + esc(s.csrfToken()) + "\"><button type=\"submit\">Cancel</button></form>" : "",
                            x.errorFileId() == null ? "" : "<a href=\"/console/batches/" + esc(x.id()) + "/errors\">errors file</a>",
                            "<code>" + esc(x.projectId()) + "</code>", esc(x.endpoint()), Html.time(x.times().createdAt())));
                }
                p.render(ctx, "Batches", "/console/batches", org, "<div id=\"batches-live\" data-poll=\"3000\">"
                        + Html.table("Batches, newest first", List.of("Id", "Status", "Progress", "Requests", "Actions",
                        "Errors", "Project", "Endpoint", "Created"), rows, "batches") + "</div>", false);
            });
        })).onFailure(ctx::fail);
    }

    void cancelBatch(RoutingContext ctx) {
        String id = ctx.pathParam("batch_id");
        p.blocking(ctx, () -> {
            BatchRecord b = p.data().batches().records().get(id).orElseThrow(() ->
                    ApiException.of(ErrorKind.NOT_FOUND, "kind", "batch", "id", id));
            p.data().batches().cancel(new Caller(null, b.orgId(), b.projectId(), null, Set.of(), true, false), id);
            p.data().audit().record("console", "batch.cancelled", id, java.util.Map.of("project_id", b.projectId()));
            return b;
        }).onSuccess(b -> Console.redirect(ctx, "/console/batches?org=" + b.orgId()));
    }

    void errorsFile(RoutingContext ctx) {
        String id = ctx.pathParam("batch_id");
        p.blocking(ctx, () -> {
            BatchRecord b = p.data().batches().records().get(id).orElseThrow(() ->
                    ApiException.of(ErrorKind.NOT_FOUND, "kind", "batch", "id", id));
            if (b.errorFileId() == null) throw ApiException.of(ErrorKind.NOT_FOUND, "kind", "errors file", "id", id);
            var f = new dev.sluice.gateway.store.FileRecords(p.data().db()).find(b.projectId(), b.errorFileId())
                    .orElseThrow(() -> ApiException.of(ErrorKind.NOT_FOUND, "kind", "file", "id", b.errorFileId()));
            return p.data().files().path(f.storageName()).toString();
        }).onSuccess(path -> ctx.response().putHeader("content-type", "application/jsonl")
                .putHeader("content-disposition", "attachment; filename=\"" + id + "-errors.jsonl\"").sendFile(path));
    }

    // ---- Audit log ----

    void audit(RoutingContext ctx) {
        String actor = blankToNull(ctx.request().getParam("actor"));
        String object = blankToNull(ctx.request().getParam("object"));
        String from = blankToNull(ctx.request().getParam("from"));
        String to = blankToNull(ctx.request().getParam("to"));
        p.blocking(ctx, () -> p.data().audit().search(actor, object, day(from, "from"), to == null ? null
                : day(to, "to").plusSeconds(86_400), 200)).onSuccess(entries -> {
            StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/console/audit\" class=\"filters\">")
                    .append(input("actor", "Actor", "text", false, actor)).append(input("object", "Object id", "text", false, object))
                    .append(input("from", "From (day)", "date", false, from)).append(input("to", "To (day, inclusive)", "date", false, to))
                    .append("<button type=\"submit\">Filter</button></form>");
            List<List<String>> rows = new ArrayList<>();
            for (AuditEntry e : entries) {
                rows.add(List.of(esc(Html.time(e.at())), esc(e.actor()), esc(e.action()),
                        e.target() == null ? "" : "<code>" + esc(e.target()) + "</code>", "<code>" + esc(e.detailJson()) + "</code>"));
            }
            b.append(Html.table("Admin changes, newest first", List.of("At", "Actor", "Action", "Object", "Details"),
                    rows, "audit"));
            p.render(ctx, "Audit log", "/console/audit", null, b.toString(), false);
        });
    }

    private static Instant day(String s, String param) {
        if (s == null) return null;
        try {
            return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (RuntimeException e) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, param, "why", "expected a day as YYYY-MM-DD");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
