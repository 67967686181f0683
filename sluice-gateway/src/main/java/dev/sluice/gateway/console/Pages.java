package dev.sluice.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.store.AuditEntry;
import dev.sluice.gateway.store.BatchRecord;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import static dev.sluice.gateway.console.Html.esc;
import static dev.sluice.gateway.console.Html.text;

/**
 * The console pages. Listings are rendered on the server (they work with JavaScript off) from the admin API's own
 * answers; forms marked {@code data-api} are sent by console.js to {@code /console/api/...}, i.e. to the admin API
 * with its validation. Charts and live refresh are the only things that need the script.
 */
final class Pages {
    private static final List<String> LIMIT_FIELDS = List.of("max_requests_per_1_minute", "max_tokens_per_1_minute",
            "max_images_per_1_minute", "max_requests_per_1_day", "max_tokens_per_1_day");
    private static final List<String> LIMIT_LABELS = List.of("RPM", "TPM", "IPM", "RPD", "TPD");

    /** Unique ids for label/control pairs. */
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

    private final AdminCalls calls;
    private final ConsoleData data;
    private final Overview overview;

    Pages(AdminCalls calls, ConsoleData data) {
        this.calls = calls;
        this.data = data;
        this.overview = new Overview(data);
    }

    void mount(Router r) {
        r.get("/console/").handler(this::overviewPage);
        r.get("/console/data/overview").handler(ctx -> blocking(ctx, () -> overview.json(range(ctx)))
                .onSuccess(j -> ctx.response().putHeader("content-type", "application/json").end(j.toString())));
        r.get("/console/access").handler(this::access);
        r.get("/console/projects/:project_id").handler(this::project);
        r.get("/console/limits").handler(this::limits);
        r.get("/console/usage").handler(this::usage);
        r.get("/console/usage.csv").handler(this::usageCsv);
        r.get("/console/health").handler(this::health);
        r.get("/console/batches").handler(this::batches);
        r.post("/console/batches/:batch_id/cancel").handler(this::cancelBatch);
        r.get("/console/batches/:batch_id/errors").handler(this::errorsFile);
        r.get("/console/audit").handler(this::audit);
    }

    // ---- the organization every page is about ----

    private record Org(JsonNode list, String id) {}

    private Future<Org> org(RoutingContext ctx) {
        return get(ctx, "/organizations?limit=100", null).map(list -> {
            String wanted = ctx.request().getParam("org");
            String chosen = null;
            for (JsonNode o : list.path("data")) {
                if (chosen == null || o.path("id").asText().equals(wanted)) chosen = o.path("id").asText();
                if (o.path("id").asText().equals(wanted)) break;
            }
            return new Org(list, chosen);
        });
    }

    /** GET on the admin API; a refusal fails with the API's own error (shown on the page). */
    private Future<JsonNode> get(RoutingContext ctx, String path, String org) {
        return calls.call(ctx.request().localAddress(), HttpMethod.GET, path, org, null).compose(a -> {
            if (a.ok()) return Future.succeededFuture(a.json());
            JsonNode e = a.json().path("error");
            return Future.failedFuture(ApiException.of(a.status() == 404 ? ErrorKind.NOT_FOUND : ErrorKind.INVALID_VALUE)
                    .withMessage(e.path("message").asText("The admin API answered " + a.status() + ".")));
        });
    }

    private void render(RoutingContext ctx, String title, String path, Org org, String body, boolean charts) {
        ConsoleSessions.Session s = ctx.get(Console.SESSION);
        Console.html(ctx, 200, Html.page(title, path, s.csrfToken(), org == null ? null : org.id(),
                orgPicker(path, org) + body, charts));
    }

    private static String orgPicker(String path, Org org) {
        if (org == null || org.list().path("data").size() < 2) return "";
        StringBuilder b = new StringBuilder("<form method=\"get\" action=\"").append(esc(path))
                .append("\" class=\"inline\"><label for=\"org\">Organization</label><select id=\"org\" name=\"org\">");
        for (JsonNode o : org.list().path("data")) {
            String id = o.path("id").asText();
            b.append("<option value=\"").append(esc(id)).append('"').append(id.equals(org.id()) ? " selected" : "")
                    .append('>').append(text(o, "name")).append(" (").append(esc(id)).append(")</option>");
        }
        return b.append("</select><button type=\"submit\">Show</button></form>").toString();
    }

    // ---- Overview ----

    private void overviewPage(RoutingContext ctx) {
        String range = range(ctx);
        org(ctx).compose(org -> Future.all(get(ctx, "/organizations/" + org.id() + "/budget", org.id()),
                blocking(ctx, () -> overview.summary(range))).onSuccess(all -> {
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
            render(ctx, "Overview", "/console/", org, b.toString(), true);
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

    static String range(RoutingContext ctx) {
        String r = ctx.request().getParam("range");
        return "day".equals(r) || "month".equals(r) ? r : "hour";
    }

    // ---- Access ----

    private void access(RoutingContext ctx) {
        String q = ctx.request().getParam("q");
        String needle = q == null ? "" : q.strip().toLowerCase(java.util.Locale.ROOT);
        org(ctx).compose(org -> Future.all(List.of(
                get(ctx, "/organization/projects?limit=100&include_archived=true", org.id()),
                get(ctx, "/organization/users?limit=100", org.id()),
                get(ctx, "/organization/ip_allowlist", org.id()),
                get(ctx, "/organization/region_policy", org.id()),
                get(ctx, "/organization/model_access", org.id()))).onSuccess(all -> {
            JsonNode projects = all.resultAt(0), users = all.resultAt(1), ips = all.resultAt(2),
                    region = all.resultAt(3), models = all.resultAt(4);
            StringBuilder b = new StringBuilder();
            b.append("<section><h2>Organizations</h2>");
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode o : org.list().path("data")) {
                rows.add(List.of(text(o, "name"), "<code>" + text(o, "id") + "</code>", Html.time(o.get("created_at"))));
            }
            b.append(Html.table("Organizations", List.of("Name", "Id", "Created"), rows, "orgs"));
            b.append(form("/organizations", "POST", "Create organization", null, "create-org",
                    input("name", "Organization name", "text", true)));
            b.append("</section><section><h2>Projects</h2>");
            b.append("<form method=\"get\" action=\"/console/access\" role=\"search\" class=\"inline\">")
                    .append("<input type=\"hidden\" name=\"org\" value=\"").append(esc(org.id())).append("\">")
                    .append("<label for=\"q\">Search projects</label><input id=\"q\" name=\"q\" type=\"search\" value=\"")
                    .append(esc(q)).append("\"><button type=\"submit\">Search</button></form>");
            rows = new ArrayList<>();
            for (JsonNode p : projects.path("data")) {
                String id = p.path("id").asText(), name = p.path("name").asText();
                if (!needle.isEmpty() && !(id + " " + name).toLowerCase(java.util.Locale.ROOT).contains(needle)) continue;
                boolean active = "active".equals(p.path("status").asText());
                rows.add(List.of("<a href=\"/console/projects/" + esc(id) + "?org=" + esc(org.id()) + "\">"
                                + esc(name) + "</a>", "<code>" + esc(id) + "</code>", text(p, "status"),
                        Html.time(p.get("created_at")),
                        active ? form("/organization/projects/" + id + "/archive", "POST", "Archive",
                                "Archive project " + name + "? Its keys stop working at once.", null, "") : ""));
            }
            b.append(Html.table("Projects", List.of("Name", "Id", "Status", "Created", "Actions"), rows, "projects"));
            b.append(form("/organization/projects", "POST", "Create project", null, "create-project",
                    input("name", "Project name", "text", true)));
            b.append("</section><section><h2>Members and roles</h2>");
            rows = new ArrayList<>();
            for (JsonNode u : users.path("data")) {
                String id = u.path("id").asText();
                rows.add(List.of(text(u, "name"), text(u, "email"), text(u, "role"),
                        form("/organization/users/" + id, "POST", "Set role", null, null,
                                select("role", "Role of " + u.path("email").asText(), List.of("reader", "owner"),
                                        u.path("role").asText()))
                                + form("/organization/users/" + id, "DELETE", "Remove",
                                "Remove " + u.path("email").asText() + " from the organization?", null, "")));
            }
            b.append(Html.table("Members", List.of("Name", "Email", "Role", "Actions"), rows, "members"));
            b.append(form("/organization/users", "POST", "Add member", null, "add-member",
                    input("email", "Email", "email", true) + input("name", "Name", "text", false)
                            + select("role", "Role", List.of("reader", "owner"), "reader")));
            b.append("</section><section><h2>Organization IP allowlist</h2>").append(ipTable(ips, "/organization/ip_allowlist"))
                    .append("</section><section><h2>Region policy</h2>").append(pre(region))
                    .append(form("/organization/region_policy", "POST", "Save region policy", null, null,
                            input("unsupported_countries", "Unsupported countries (ISO codes, comma-separated)",
                                    "list", false)))
                    .append("</section><section><h2>Model access</h2>").append(pre(models))
                    .append(form("/organization/model_access", "POST", "Save model access", null, null,
                            input("allowed_models", "Allowed models (comma-separated; empty for all)", "list", false)))
                    .append("</section>");
            render(ctx, "Access", "/console/access", org, b.toString(), false);
        }).onFailure(ctx::fail)).onFailure(ctx::fail);
    }

    private void project(RoutingContext ctx) {
        String pid = ctx.pathParam("project_id");
        org(ctx).compose(org -> {
            String base = "/organization/projects/" + pid;
            return Future.all(List.of(get(ctx, base, org.id()), get(ctx, base + "/api_keys?limit=100&include_revoked=true", org.id()),
                    get(ctx, base + "/service_accounts?limit=100", org.id()), get(ctx, base + "/ip_allowlist", org.id()),
                    get(ctx, base + "/model_access", org.id()))).onSuccess(all -> {
                JsonNode p = all.resultAt(0), keys = all.resultAt(1), sas = all.resultAt(2), ips = all.resultAt(3),
                        models = all.resultAt(4);
                StringBuilder b = new StringBuilder("<p>Project <code>").append(esc(pid)).append("</code>, ")
                        .append(text(p, "status")).append(". <a href=\"/console/limits?org=").append(esc(org.id()))
                        .append("&amp;project=").append(esc(pid)).append("\">Limits and money</a> · ")
                        .append("<a href=\"/console/batches?org=").append(esc(org.id())).append("&amp;project=")
                        .append(esc(pid)).append("\">Batches</a></p><section><h2>API keys</h2>");
                List<List<String>> rows = new ArrayList<>();
                for (JsonNode k : keys.path("data")) {
                    boolean revoked = k.hasNonNull("revoked_at");
                    rows.add(List.of(text(k, "name"), "<code>" + text(k, "redacted_value") + "</code>",
                            "<code>" + text(k, "id") + "</code>", Html.time(k.get("created_at")),
                            Html.time(k.get("last_used_at")), revoked ? "revoked " + Html.time(k.get("revoked_at")) : "active",
                            revoked ? "" : form(base + "/api_keys/" + k.path("id").asText(), "DELETE", "Revoke",
                                    "Revoke key " + k.path("name").asText() + "? Calls with it fail at once.", null, "")));
                }
                b.append(Html.table("API keys", List.of("Name", "Key", "Id", "Created", "Last used", "State", "Actions"),
                        rows, "keys"));
                b.append(form(base + "/api_keys", "POST", "Create key", null, "create-key",
                        input("name", "Key name", "text", true)));
                b.append("</section><section><h2>Service accounts</h2>");
                rows = new ArrayList<>();
                for (JsonNode s : sas.path("data")) {
                    rows.add(List.of(text(s, "name"), "<code>" + text(s, "id") + "</code>", Html.time(s.get("created_at")),
                            form(base + "/service_accounts/" + s.path("id").asText(), "DELETE", "Delete",
                                    "Delete service account " + s.path("name").asText() + " and its key?", null, "")));
                }
                b.append(Html.table("Service accounts", List.of("Name", "Id", "Created", "Actions"), rows, "service-accounts"));
                b.append(form(base + "/service_accounts", "POST", "Create service account", null, "create-sa",
                        input("name", "Service account name", "text", true)));
                b.append("</section><section><h2>Project IP allowlist</h2>").append(ipTable(ips, base + "/ip_allowlist"))
                        .append("</section><section><h2>Project model access</h2>").append(pre(models))
                        .append(form(base + "/model_access", "POST", "Save model access", null, null,
                                input("allowed_models", "Allowed models (comma-separated; empty for the organization's)",
                                        "list", false)))
                        .append("</section>");
                render(ctx, "Project " + p.path("name").asText(), "/console/access", org, b.toString(), false);
            });
        }).onFailure(ctx::fail);
    }

    private static String ipTable(JsonNode ips, String path) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode e : ips.path("data")) {
            rows.add(List.of("<code>" + text(e, "cidr") + "</code>", Html.time(e.get("created_at")),
                    form(path + "/" + e.path("id").asText(), "DELETE", "Remove",
                            "Remove " + e.path("cidr").asText() + " from the allowlist?", null, "")));
        }
        return Html.table("IP allowlist (empty: every address)", List.of("CIDR", "Added", "Actions"), rows, null)
                + form(path, "POST", "Add range", null, null, input("cidr", "CIDR (e.g. 10.0.0.0/8)", "text", true));
    }

    // ---- Limits and money ----

    private void limits(RoutingContext ctx) {
        org(ctx).compose(org -> get(ctx, "/organization/projects?limit=100", org.id()).compose(projects -> {
            String pid = ctx.request().getParam("project");
            if (pid == null && !projects.path("data").isEmpty()) pid = projects.path("data").get(0).path("id").asText();
            String project = pid;
            List<Future<?>> fs = new ArrayList<>(List.of(
                    get(ctx, "/organizations/" + org.id() + "/rate_limits", org.id()),
                    get(ctx, "/organizations/" + org.id() + "/budget", org.id()),
                    get(ctx, "/organizations/" + org.id() + "/credit_grants", org.id())));
            if (project != null) {
                String base = "/organization/projects/" + project;
                fs.add(get(ctx, base + "/rate_limits", org.id()));
                fs.add(get(ctx, base + "/budget", org.id()));
                fs.add(get(ctx, base + "/credit_grants", org.id()));
                fs.add(headroom(org.id(), project));
            }
            return Future.all(fs).onSuccess(all -> {
                StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/console/limits\" class=\"inline\">")
                        .append("<input type=\"hidden\" name=\"org\" value=\"").append(esc(org.id())).append("\">")
                        .append("<label for=\"project\">Project</label><select id=\"project\" name=\"project\">");
                for (JsonNode p : projects.path("data")) {
                    String id = p.path("id").asText();
                    b.append("<option value=\"").append(esc(id)).append('"').append(id.equals(project) ? " selected" : "")
                            .append('>').append(text(p, "name")).append("</option>");
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
                render(ctx, "Limits and money", "/console/limits", org, b.toString(), false);
            });
        })).onFailure(ctx::fail);
    }

    /** What the limiter would still let through now, per family, organization and project limit. */
    private Future<String> headroom(String orgId, String projectId) {
        List<String> families = data.catalog().all().stream().map(m -> m.family()).distinct().toList();
        List<Future<List<dev.sluice.gateway.limits.RateLimiter.Headroom>>> fs = new ArrayList<>();
        for (String f : families) fs.add(data.limiter().headroom(orgId, projectId, f));
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

    private void usage(RoutingContext ctx) {
        String group = group(ctx);
        int days = days(ctx);
        org(ctx).compose(org -> costs(ctx, org, group, days).onSuccess(rows -> {
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
            render(ctx, "Usage and costs", "/console/usage", org, b.toString(), false);
        })).onFailure(ctx::fail);
    }

    private void usageCsv(RoutingContext ctx) {
        String group = group(ctx);
        int days = days(ctx);
        org(ctx).compose(org -> costs(ctx, org, group, days)).onSuccess(rows -> {
            StringBuilder csv = new StringBuilder();
            for (List<String> r : rows) csv.append(String.join(",", r.stream().map(Pages::csvCell).toList())).append("\r\n");
            ctx.response().putHeader("content-type", "text/csv; charset=utf-8")
                    .putHeader("content-disposition", "attachment; filename=\"sluice-usage-" + group + ".csv\"")
                    .end(csv.toString());
        }).onFailure(ctx::fail);
    }

    /** A header row, then one row per day and group, from the admin API's completions usage and costs. */
    private Future<List<List<String>>> costs(RoutingContext ctx, Org org, String group, int days) {
        long end = (data.clock().millis() / 86_400_000L + 1) * 86_400L;
        long start = end - days * 86_400L;
        String grouping = "day".equals(group) ? "" : "&group_by=" + group;
        String range = "?bucket_width=1d&start_time=" + start + "&end_time=" + end + "&limit=31";
        return Future.all(get(ctx, "/organization/usage/completions" + range + grouping, org.id()),
                get(ctx, "/organization/costs" + range + ("day".equals(group) ? "" : "&group_by="
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

    // ---- Traffic health ----

    private void health(RoutingContext ctx) {
        blocking(ctx, () -> new Health(data).html()).onSuccess(html ->
                render(ctx, "Traffic health", "/console/health", null,
                        "<div id=\"health\" data-poll=\"5000\">" + html + "</div>", false));
    }

    // ---- Batches ----

    private void batches(RoutingContext ctx) {
        org(ctx).compose(org -> get(ctx, "/organization/projects?limit=100", org.id()).compose(projects -> {
            List<String> ids = new ArrayList<>();
            for (JsonNode p : projects.path("data")) ids.add(p.path("id").asText());
            String only = ctx.request().getParam("project");
            List<String> chosen = only != null && ids.contains(only) ? List.of(only) : ids;
            return blocking(ctx, () -> {
                List<BatchRecord> all = new ArrayList<>();
                for (String id : chosen) all.addAll(data.batches().records().list(id, null, 50).items());
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
                render(ctx, "Batches", "/console/batches", org, "<div id=\"batches-live\" data-poll=\"3000\">"
                        + Html.table("Batches, newest first", List.of("Id", "Status", "Progress", "Requests", "Actions",
                        "Errors", "Project", "Endpoint", "Created"), rows, "batches") + "</div>", false);
            });
        })).onFailure(ctx::fail);
    }

    private void cancelBatch(RoutingContext ctx) {
        String id = ctx.pathParam("batch_id");
        blocking(ctx, () -> {
            BatchRecord b = data.batches().records().get(id).orElseThrow(() ->
                    ApiException.of(ErrorKind.NOT_FOUND, "kind", "batch", "id", id));
            data.batches().cancel(new Caller(null, b.orgId(), b.projectId(), null, Set.of(), true, false), id);
            data.audit().record("console", "batch.cancelled", id, java.util.Map.of("project_id", b.projectId()));
            return b;
        }).onSuccess(b -> Console.redirect(ctx, "/console/batches?org=" + b.orgId()));
    }

    private void errorsFile(RoutingContext ctx) {
        String id = ctx.pathParam("batch_id");
        blocking(ctx, () -> {
            BatchRecord b = data.batches().records().get(id).orElseThrow(() ->
                    ApiException.of(ErrorKind.NOT_FOUND, "kind", "batch", "id", id));
            if (b.errorFileId() == null) throw ApiException.of(ErrorKind.NOT_FOUND, "kind", "errors file", "id", id);
            var f = new dev.sluice.gateway.store.FileRecords(data.db()).find(b.projectId(), b.errorFileId())
                    .orElseThrow(() -> ApiException.of(ErrorKind.NOT_FOUND, "kind", "file", "id", b.errorFileId()));
            return data.files().path(f.storageName()).toString();
        }).onSuccess(path -> ctx.response().putHeader("content-type", "application/jsonl")
                .putHeader("content-disposition", "attachment; filename=\"" + id + "-errors.jsonl\"").sendFile(path));
    }

    // ---- Audit log ----

    private void audit(RoutingContext ctx) {
        String actor = blankToNull(ctx.request().getParam("actor"));
        String object = blankToNull(ctx.request().getParam("object"));
        String from = blankToNull(ctx.request().getParam("from"));
        String to = blankToNull(ctx.request().getParam("to"));
        blocking(ctx, () -> data.audit().search(actor, object, day(from, "from"), to == null ? null
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
            render(ctx, "Audit log", "/console/audit", null, b.toString(), false);
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

    // ---- small HTML pieces ----

    /**
     * A form console.js sends as JSON to the admin API ({@code method path} under {@code /console/api}); with
     * {@code confirm} it asks first. Its result (or the API's error message) shows in its output element.
     */
    static String form(String apiPath, String method, String button, String confirm, String id, String fields) {
        StringBuilder b = new StringBuilder("<form class=\"api\" data-api=\"").append(esc(apiPath))
                .append("\" data-method=\"").append(method).append('"');
        if (id != null) b.append(" id=\"").append(esc(id)).append('"');
        if (confirm != null) b.append(" data-confirm=\"").append(esc(confirm)).append('"');
        return b.append('>').append(fields).append("<button type=\"submit\">").append(esc(button))
                .append("</button><output role=\"alert\"></output></form>").toString();
    }

    static String input(String name, String label, String type, boolean required) {
        return input(name, label, type, required, null);
    }

    static String input(String name, String label, String type, boolean required, String value) {
        String id = "f-" + name + "-" + IDS.incrementAndGet();
        String htmlType = "list".equals(type) ? "text" : type;
        return "<label for=\"" + id + "\">" + esc(label) + "</label><input id=\"" + id + "\" name=\"" + esc(name)
                + "\" type=\"" + htmlType + "\"" + ("number".equals(type) ? " step=\"any\" data-type=\"number\"" : "")
                + ("list".equals(type) ? " data-type=\"list\"" : "") + (required ? " required" : "")
                + (value == null ? "" : " value=\"" + esc(value) + "\"") + ">";
    }

    static String select(String name, String label, List<String> options, String selected) {
        String id = "f-" + name + "-" + IDS.incrementAndGet();
        StringBuilder b = new StringBuilder("<label for=\"").append(id).append("\">").append(esc(label))
                .append("</label><select id=\"").append(id).append("\" name=\"").append(esc(name)).append("\">");
        for (String o : options) {
            b.append("<option").append(o.equals(selected) ? " selected" : "").append('>').append(esc(o)).append("</option>");
        }
        return b.append("</select>").toString();
    }

    private static String pre(JsonNode n) {
        ObjectNode copy = n.deepCopy();
        copy.remove("object");
        return "<pre class=\"json\">" + esc(copy.toPrettyString()) + "</pre>";
    }

    private <T> Future<T> blocking(RoutingContext ctx, Callable<T> work) {
        Future<T> f = ctx.vertx().executeBlocking(work, false);
        f.onFailure(ctx::fail);
        return f;
    }
}
