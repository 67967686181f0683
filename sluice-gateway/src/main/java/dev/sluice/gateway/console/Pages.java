package dev.sluice.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.concurrent.Callable;

import static dev.sluice.gateway.console.Html.esc;
import static dev.sluice.gateway.console.Html.text;

/**
 * The console pages. Listings are rendered on the server (they work with JavaScript off) from the admin API's own
 * answers; forms marked {@code data-api} are sent by console.js to {@code /console/api/...}, i.e. to the admin API
 * with its validation. Charts and live refresh are the only things that need the script.
 */
final class Pages {
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
        OperationsPages ops = new OperationsPages(this);
        AccessPages access = new AccessPages(this);
        MoneyPages money = new MoneyPages(this);
        r.get("/console/").handler(ops::overviewPage);
        r.get("/console/data/overview").handler(ctx -> blocking(ctx, () -> overview.json(range(ctx)))
                .onSuccess(j -> ctx.response().putHeader("content-type", "application/json").end(j.toString())));
        r.get("/console/access").handler(access::access);
        r.get("/console/projects/:project_id").handler(access::project);
        r.get("/console/limits").handler(money::limits);
        r.get("/console/usage").handler(money::usage);
        r.get("/console/usage.csv").handler(money::usageCsv);
        r.get("/console/health").handler(ops::health);
        r.get("/console/batches").handler(ops::batches);
        r.post("/console/batches/:batch_id/cancel").handler(ops::cancelBatch);
        r.get("/console/batches/:batch_id/errors").handler(ops::errorsFile);
        r.get("/console/audit").handler(ops::audit);
    }

    ConsoleData data() { return data; }

    Overview overview() { return overview; }

    // ---- the organization every page is about ----

    record Org(JsonNode list, String id) {}

    Future<Org> org(RoutingContext ctx) {
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
    Future<JsonNode> get(RoutingContext ctx, String path, String org) {
        return calls.call(ctx.request().localAddress(), HttpMethod.GET, path, org, null).compose(a -> {
            if (a.ok()) return Future.succeededFuture(a.json());
            JsonNode e = a.json().path("error");
            return Future.failedFuture(ApiException.of(a.status() == 404 ? ErrorKind.NOT_FOUND : ErrorKind.INVALID_VALUE)
                    .withMessage(e.path("message").asText("The admin API answered " + a.status() + ".")));
        });
    }

    void render(RoutingContext ctx, String title, String path, Org org, String body, boolean charts) {
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

    static String range(RoutingContext ctx) {
        String r = ctx.request().getParam("range");
        return "day".equals(r) || "month".equals(r) ? r : "hour";
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

    static String pre(JsonNode n) {
        ObjectNode copy = n.deepCopy();
        copy.remove("object");
        return "<pre class=\"json\">" + esc(copy.toPrettyString()) + "</pre>";
    }

    <T> Future<T> blocking(RoutingContext ctx, Callable<T> work) {
        Future<T> f = ctx.vertx().executeBlocking(work, false);
        f.onFailure(ctx::fail);
        return f;
    }
}
