package dev.sluice.gateway.admin;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.store.Organization;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/organizations}: Sluice serves many organizations (OpenAI's admin API is scoped to one), so they are
 * listed, created, read and renamed here in the same style. Organizations are never deleted: they own the history.
 */
public final class OrganizationRoutes implements AdminRoutes {
    private final AdminContext a;

    public OrganizationRoutes(AdminContext a) {
        this.a = a;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/organizations").handler(ctx -> AccessAdmin.work(ctx, () ->
                AccessAdmin.page(ctx, a.store().organizations().list(), Organization::id, AccessObjects::organization)));
        r.post("/v1/organizations").handler(this::create);
        r.get("/v1/organizations/:org_id").handler(ctx -> AccessAdmin.work(ctx, () ->
                AccessObjects.organization(find(ctx))));
        r.post("/v1/organizations/:org_id").handler(this::modify);
    }

    private Organization find(RoutingContext ctx) {
        String id = ctx.pathParam("org_id");
        return a.store().organizations().find(id)
                .orElseThrow(() -> ApiException.at(ErrorKind.NOT_FOUND, "org_id", "kind", "organization", "id", id));
    }

    private void create(RoutingContext ctx) {
        var body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("name"));
        String name = AccessAdmin.name(body, "name");
        AccessAdmin.work(ctx, () -> a.store().database().transaction(c -> {
            Organization org = a.store().organizations().create(name);
            AccessAdmin.audit(a, "organization.created", org.id(), Map.of("name", name));
            return AccessObjects.organization(org);
        }));
    }

    private void modify(RoutingContext ctx) {
        var body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("name"));
        String name = AccessAdmin.name(body, "name");
        AccessAdmin.work(ctx, () -> a.store().database().transaction(c -> {
            Organization org = find(ctx);
            if (!org.name().equals(name)) {
                a.store().organizations().rename(org.id(), name);
                AccessAdmin.audit(a, "organization.renamed", org.id(), Map.of("name", name));
            }
            return AccessObjects.organization(find(ctx));
        }));
    }
}
