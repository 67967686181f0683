package dev.sluice.gateway.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.validation.ListQuery;
import dev.sluice.gateway.admin.AdminHttp;
import dev.sluice.gateway.admin.AdminOwners;
import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rate limits on the admin port, in the shape of OpenAI's project rate limits: one object per model family
 * ({@code id} {@code rl-<family>}) with the limits in force (the override, else the sluice.yaml default; null = none).
 * {@code GET .../rate_limits} lists them; {@code POST .../rate_limits/{rate_limit_id}} changes the given fields (a
 * number sets an override, null returns to the default). The same at organization level under
 * {@code /v1/organizations/{org_id}/rate_limits} (a Sluice extension). Changes apply at once on this gateway and
 * within {@code limits.reload_ms} on the others.
 */
public final class RateLimitRoutes implements AdminRoutes {
    private static final Set<String> FIELDS;

    static {
        Set<String> f = new LinkedHashSet<>();
        for (LimitKind k : LimitKind.values()) f.add(k.field());
        f.add(RateLimitOverrides.BATCH_COLUMN);
        FIELDS = Set.copyOf(f);
    }

    private final AdminOwners owners;
    private final ModelCatalog catalog;
    private final LimitRules rules;
    private final RateLimitOverrides overrides;
    private final Runnable reload;

    /** @param reload re-reads the overrides into {@code rules} (blocking), run after each change */
    public RateLimitRoutes(AdminOwners owners, ModelCatalog catalog, LimitRules rules, RateLimitOverrides overrides,
                           Runnable reload) {
        this.owners = owners;
        this.catalog = catalog;
        this.rules = rules;
        this.overrides = overrides;
        this.reload = reload;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/organization/projects/:project_id/rate_limits")
                .handler(ctx -> list(ctx, LimitScope.PROJECT, ctx.pathParam("project_id")));
        r.post("/v1/organization/projects/:project_id/rate_limits/:rate_limit_id")
                .handler(ctx -> modify(ctx, LimitScope.PROJECT, ctx.pathParam("project_id")));
        r.get("/v1/organizations/:org_id/rate_limits")
                .handler(ctx -> list(ctx, LimitScope.ORGANIZATION, ctx.pathParam("org_id")));
        r.post("/v1/organizations/:org_id/rate_limits/:rate_limit_id")
                .handler(ctx -> modify(ctx, LimitScope.ORGANIZATION, ctx.pathParam("org_id")));
    }

    private void list(RoutingContext ctx, LimitScope scope, String ownerId) {
        ListQuery q = ListQuery.of(ctx.request().params(), 100, 100);
        AdminHttp.blocking(ctx, 200, () -> {
            requireOwner(scope, ownerId);
            ListQuery.Slice<String> page = q.slice(families(), f -> "rl-" + f);
            return ListQuery.listObject(page.items(), page.hasMore(), f -> object(scope, ownerId, f), f -> "rl-" + f);
        });
    }

    private void modify(RoutingContext ctx, LimitScope scope, String ownerId) {
        String id = ctx.pathParam("rate_limit_id");
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, FIELDS);
        Map<String, Long> changes = new LinkedHashMap<>();
        for (String f : FIELDS) {
            if (!body.has(f)) continue;
            JsonNode v = body.get(f);
            changes.put(f, v.isNull() ? null : AdminHttp.optionalLong(body, f, 1, ConfigLoader.MAX_LIMIT));
        }
        AdminHttp.blocking(ctx, 200, () -> {
            requireOwner(scope, ownerId);
            String family = id != null && id.startsWith("rl-") ? id.substring(3) : null;
            if (family == null || !families().contains(family)) {
                throw ApiException.of(ErrorKind.NOT_FOUND, "kind", "rate limit", "id", String.valueOf(id));
            }
            if (!changes.isEmpty()) {
                overrides.set(new OwnerFamily(scope, ownerId, family), changes);
                reload.run();
            }
            return object(scope, ownerId, family);
        });
    }

    private ObjectNode object(LimitScope scope, String ownerId, String family) {
        LimitSet v = rules.effective(scope, ownerId, family).values();
        RateLimitOverride o = rules.override(new OwnerFamily(scope, ownerId, family)).orElse(RateLimitOverride.NONE);
        ObjectNode n = AdminHttp.JSON.createObjectNode();
        n.put("object", scope == LimitScope.PROJECT ? "project.rate_limit" : "organization.rate_limit");
        n.put("id", "rl-" + family);
        n.put("model", family);
        for (LimitKind k : new LimitKind[] {LimitKind.RPM, LimitKind.TPM, LimitKind.IPM, LimitKind.RPD, LimitKind.TPD}) {
            n.put(k.field(), v.get(k));
        }
        n.put(RateLimitOverrides.BATCH_COLUMN, o.batch1DayMaxInputTokens());
        return n;
    }

    private void requireOwner(LimitScope scope, String id) {
        if (scope == LimitScope.PROJECT) owners.requireProject(id);
        else owners.requireOrganization(id);
    }

    /** The model families of the catalogue in force (it changes on a config reload). */
    private List<String> families() {
        Set<String> fams = new LinkedHashSet<>();
        for (ModelSpec m : catalog.all()) fams.add(m.family());
        return List.copyOf(fams);
    }
}
