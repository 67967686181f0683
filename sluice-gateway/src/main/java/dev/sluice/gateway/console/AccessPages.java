package dev.sluice.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.sluice.gateway.console.Html.esc;
import static dev.sluice.gateway.console.Html.text;
import static dev.sluice.gateway.console.Pages.form;
import static dev.sluice.gateway.console.Pages.input;
import static dev.sluice.gateway.console.Pages.pre;
import static dev.sluice.gateway.console.Pages.select;

/**
 * Access: organizations, projects, members and roles, keys, service accounts, IP allowlists, region policy and model access.
 */
final class AccessPages {
    private final Pages p;

    AccessPages(Pages p) {
        this.p = p;
    }

    // ---- Access ----

    void access(RoutingContext ctx) {
        String q = ctx.request().getParam("q");
        String needle = q == null ? "" : q.strip().toLowerCase(java.util.Locale.ROOT);
        p.org(ctx).compose(org -> Future.all(List.of(
                p.get(ctx, "/organization/projects?limit=100&include_archived=true", org.id()),
                p.get(ctx, "/organization/users?limit=100", org.id()),
                p.get(ctx, "/organization/ip_allowlist", org.id()),
                p.get(ctx, "/organization/region_policy", org.id()),
                p.get(ctx, "/organization/model_access", org.id()))).onSuccess(all -> {
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
            for (JsonNode pr : projects.path("data")) {
                String id = pr.path("id").asText(), name = pr.path("name").asText();
                if (!needle.isEmpty() && !(id + " " + name).toLowerCase(java.util.Locale.ROOT).contains(needle)) continue;
                boolean active = "active".equals(pr.path("status").asText());
                rows.add(List.of("<a href=\"/console/projects/" + esc(id) + "?org=" + esc(org.id()) + "\">"
                                + esc(name) + "</a>", "<code>" + esc(id) + "</code>", text(pr, "status"),
                        Html.time(pr.get("created_at")),
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
            p.render(ctx, "Access", "/console/access", org, b.toString(), false);
        }).onFailure(ctx::fail)).onFailure(ctx::fail);
    }

    void project(RoutingContext ctx) {
        String pid = ctx.pathParam("project_id");
        p.org(ctx).compose(org -> {
            String base = "/organization/projects/" + pid;
            return Future.all(List.of(p.get(ctx, base, org.id()), p.get(ctx, base + "/api_keys?limit=100&include_revoked=true", org.id()),
                    p.get(ctx, base + "/service_accounts?limit=100", org.id()), p.get(ctx, base + "/ip_allowlist", org.id()),
                    p.get(ctx, base + "/model_access", org.id()))).onSuccess(all -> {
                JsonNode proj = all.resultAt(0), keys = all.resultAt(1), sas = all.resultAt(2), ips = all.resultAt(3),
                        models = all.resultAt(4);
                StringBuilder b = new StringBuilder("<p>Project <code>").append(esc(pid)).append("</code>, ")
                        .append(text(proj, "status")).append(". <a href=\"/console/limits?org=").append(esc(org.id()))
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
                p.render(ctx, "Project " + proj.path("name").asText(), "/console/access", org, b.toString(), false);
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
}
