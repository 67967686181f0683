package dev.sluice.gateway.admin;

import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.Project;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/organization/projects}, as OpenAI's Administration API shapes it: list (archived ones with
 * {@code include_archived=true}), create, retrieve, modify (rename) and archive. Archiving stops the project's keys
 * at once on this gateway.
 */
public final class ProjectRoutes implements AdminRoutes {
    private final AdminContext a;

    public ProjectRoutes(AdminContext a) {
        this.a = a;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/organization/projects").handler(this::list);
        r.post("/v1/organization/projects").handler(this::create);
        r.get("/v1/organization/projects/:project_id").handler(ctx -> AccessAdmin.work(ctx, () ->
                AccessObjects.project(AccessAdmin.project(ctx, a))));
        r.post("/v1/organization/projects/:project_id").handler(this::modify);
        r.post("/v1/organization/projects/:project_id/archive").handler(this::archive);
    }

    private void list(RoutingContext ctx) {
        boolean archived = AccessAdmin.flag(ctx, "include_archived");
        AccessAdmin.work(ctx, () -> {
            Organization org = AccessAdmin.organization(ctx, a);
            List<Project> projects = a.store().projects().listByOrg(org.id()).stream()
                    .filter(p -> archived || p.status() == Project.Status.ACTIVE).toList();
            return AccessAdmin.page(ctx, projects, Project::id, AccessObjects::project);
        });
    }

    private void create(RoutingContext ctx) {
        var body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("name"));
        String name = AccessAdmin.name(body, "name");
        AccessAdmin.work(ctx, () -> a.store().database().transaction(c -> {
            Organization org = AccessAdmin.organization(ctx, a);
            Project p = a.store().projects().create(org.id(), name);
            AccessAdmin.audit(a, "project.created", p.id(), Map.of("org_id", org.id(), "name", name));
            return AccessObjects.project(p);
        }));
    }

    private void modify(RoutingContext ctx) {
        var body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("name"));
        String name = AccessAdmin.name(body, "name");
        AccessAdmin.work(ctx, () -> a.store().database().transaction(c -> {
            Project p = AccessAdmin.project(ctx, a);
            if (!p.name().equals(name)) {
                a.store().projects().rename(p.id(), name);
                AccessAdmin.audit(a, "project.renamed", p.id(), Map.of("name", name));
            }
            return AccessObjects.project(AccessAdmin.project(ctx, a));
        }));
    }

    private void archive(RoutingContext ctx) {
        AccessAdmin.work(ctx, () -> {
            Project archived = a.store().database().transaction(c -> {
                Project p = AccessAdmin.project(ctx, a);
                if (a.store().projects().archive(p.id())) {
                    AccessAdmin.audit(a, "project.archived", p.id(), Map.of());
                }
                return AccessAdmin.project(ctx, a);
            });
            a.keys().invalidateAll(); // its keys stop now, not within the cache bound
            a.policies().invalidateAll();
            return AccessObjects.project(archived);
        });
    }
}
