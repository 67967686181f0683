package dev.sluice.gateway.quota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.admin.AdminHttp;
import dev.sluice.gateway.admin.AdminOwners;
import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.limits.LimitScope;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.usage.Billing;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.math.BigDecimal;
import java.util.Set;

/**
 * Budgets and prepaid credits on the admin port (Sluice extensions in OpenAI's style), for organizations
 * ({@code /v1/organizations/{org_id}/...}) and projects ({@code /v1/organization/projects/{project_id}/...}):
 * {@code GET|POST .../budget} shows spend, reservations, budget and credits, and sets {@code monthly_budget_usd}
 * (null: back to the sluice.yaml default); {@code GET|POST .../credit_grants} lists and adds prepaid credit.
 */
public final class QuotaRoutes implements AdminRoutes {
    private static final double MAX_USD = 1e9;
    private final AdminOwners owners;
    private final QuotaRules rules;
    private final QuotaSettings settings;
    private final SpendBook book;
    private final Runnable reload;

    /** @param reload re-reads budgets and credit totals into {@code rules} (blocking), run after each change */
    public QuotaRoutes(AdminOwners owners, QuotaRules rules, QuotaSettings settings, SpendBook book, Runnable reload) {
        this.owners = owners;
        this.rules = rules;
        this.settings = settings;
        this.book = book;
        this.reload = reload;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/organizations/:org_id/budget").handler(ctx -> getBudget(ctx, Owner.org(ctx.pathParam("org_id"))));
        r.post("/v1/organizations/:org_id/budget").handler(ctx -> setBudget(ctx, Owner.org(ctx.pathParam("org_id"))));
        r.get("/v1/organizations/:org_id/credit_grants").handler(ctx -> grants(ctx, Owner.org(ctx.pathParam("org_id"))));
        r.post("/v1/organizations/:org_id/credit_grants").handler(ctx -> grant(ctx, Owner.org(ctx.pathParam("org_id"))));
        r.get("/v1/organization/projects/:project_id/budget")
                .handler(ctx -> getBudget(ctx, Owner.project(ctx.pathParam("project_id"))));
        r.post("/v1/organization/projects/:project_id/budget")
                .handler(ctx -> setBudget(ctx, Owner.project(ctx.pathParam("project_id"))));
        r.get("/v1/organization/projects/:project_id/credit_grants")
                .handler(ctx -> grants(ctx, Owner.project(ctx.pathParam("project_id"))));
        r.post("/v1/organization/projects/:project_id/credit_grants")
                .handler(ctx -> grant(ctx, Owner.project(ctx.pathParam("project_id"))));
    }

    private void getBudget(RoutingContext ctx, Owner owner) {
        AdminHttp.blocking(ctx, 200, () -> {
            requireOwner(owner);
            return budget(owner);
        });
    }

    private void setBudget(RoutingContext ctx, Owner owner) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("monthly_budget_usd"));
        if (!body.has("monthly_budget_usd")) throw ApiException.at(ErrorKind.MISSING_PARAMETER, "monthly_budget_usd");
        Double usd = usd(body, "monthly_budget_usd");
        AdminHttp.blocking(ctx, 200, () -> {
            requireOwner(owner);
            settings.setBudget(owner, usd == null ? null : Billing.nanos(usd));
            reload.run();
            return budget(owner);
        });
    }

    private void grants(RoutingContext ctx, Owner owner) {
        AdminHttp.blocking(ctx, 200, () -> {
            requireOwner(owner);
            ObjectNode out = AdminHttp.JSON.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            for (CreditGrant g : settings.grants(owner)) data.add(grantJson(g));
            out.put("has_more", false);
            return out;
        });
    }

    private void grant(RoutingContext ctx, Owner owner) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("amount_usd", "note"));
        Double usd = usd(body, "amount_usd");
        if (usd == null) throw ApiException.at(ErrorKind.MISSING_PARAMETER, "amount_usd");
        String note = AdminHttp.optionalString(body, "note");
        AdminHttp.blocking(ctx, 200, () -> {
            requireOwner(owner);
            CreditGrant g = settings.grant(owner, Billing.nanos(usd), note);
            reload.run();
            return grantJson(g);
        });
    }

    private ObjectNode budget(Owner owner) {
        Quota q = rules.effective(owner);
        String month = book.currentMonth();
        long monthSpend = book.spent(owner, month);
        long lifetime = book.spent(owner, SpendBook.ALL);
        ObjectNode n = AdminHttp.JSON.createObjectNode();
        boolean org = owner.scope() == LimitScope.ORGANIZATION;
        n.put("object", org ? "organization.budget" : "project.budget");
        n.put(org ? "organization_id" : "project_id", owner.id());
        n.put("month", month);
        n.set("monthly_budget_usd", money(q.monthlyBudgetNanos()));
        n.put("monthly_budget_source", q.monthlyBudgetNanos() == null ? null : rules.ownBudget(owner) ? "own" : "default");
        n.set("spend_this_month_usd", money(monthSpend));
        n.set("lifetime_spend_usd", money(lifetime));
        n.set("reserved_usd", money(book.reserved(owner)));
        n.set("credits_granted_usd", money(q.creditsNanos()));
        n.set("credits_remaining_usd", q.creditsNanos() == null ? null : money(Math.max(0, q.creditsNanos() - lifetime)));
        boolean exhausted = q.monthlyBudgetNanos() != null && monthSpend >= q.monthlyBudgetNanos()
                || q.creditsNanos() != null && lifetime >= q.creditsNanos();
        n.put("quota_exhausted", exhausted);
        return n;
    }

    private static ObjectNode grantJson(CreditGrant g) {
        ObjectNode n = AdminHttp.JSON.createObjectNode();
        n.put("object", "credit_grant");
        n.put("id", g.id());
        n.put(g.owner().scope() == LimitScope.ORGANIZATION ? "organization_id" : "project_id", g.owner().id());
        n.set("amount_usd", money(g.amountNanos()));
        n.put("note", g.note());
        n.put("created_at", g.createdAt().getEpochSecond());
        return n;
    }

    /** Exact decimal dollars (nano-dollar precision, trailing zeros stripped). */
    static JsonNode money(Long nanos) {
        if (nanos == null) return AdminHttp.JSON.nullNode();
        return AdminHttp.JSON.getNodeFactory().numberNode(BigDecimal.valueOf(nanos, 9).stripTrailingZeros());
    }

    /** A non-negative USD amount, or null when absent or null. */
    private static Double usd(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw AdminHttp.wrongType(name, "a number", v);
        double d = v.asDouble();
        if (!(d >= 0 && d <= MAX_USD)) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, name, "why", "expected an amount in USD between 0 and "
                    + (long) MAX_USD + ", but got " + v.asText());
        }
        return d;
    }

    private void requireOwner(Owner o) {
        if (o.scope() == LimitScope.PROJECT) owners.requireProject(o.id());
        else owners.requireOrganization(o.id());
    }
}
