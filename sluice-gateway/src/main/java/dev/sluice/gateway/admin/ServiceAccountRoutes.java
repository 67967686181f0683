package dev.sluice.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.store.CreatedKey;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.Project;
import dev.sluice.gateway.store.ServiceAccount;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/organization/projects/{id}/service_accounts}, as in OpenAI's Administration API: creating one answers
 * it with its first key ({@code sk-svcacct-…}) and that key's secret, once; deleting one revokes its keys at once.
 */
public final class ServiceAccountRoutes implements AdminRoutes {
    private final AdminContext a;

    public ServiceAccountRoutes(AdminContext a) {
        this.a = a;
    }

    @Override
    public void mount(Router r) {
        String base = "/v1/organization/projects/:project_id/service_accounts";
        r.get(base).handler(ctx -> AccessAdmin.work(ctx, () -> {
            Project p = AccessAdmin.project(ctx, a);
            List<ServiceAccount> all = a.store().serviceAccounts().listByProject(p.id()).stream()
                    .filter(sa -> !sa.isDeleted()).toList();
            return AccessAdmin.page(ctx, all, ServiceAccount::id, AccessObjects::serviceAccount);
        }));
        r.post(base).handler(this::create);
        r.get(base + "/:service_account_id").handler(ctx -> AccessAdmin.work(ctx, () ->
                AccessObjects.serviceAccount(find(ctx, AccessAdmin.project(ctx, a)))));
        r.delete(base + "/:service_account_id").handler(this::delete);
    }

    private ServiceAccount find(RoutingContext ctx, Project p) {
        String id = ctx.pathParam("service_account_id");
        return a.store().serviceAccounts().find(id).filter(sa -> sa.projectId().equals(p.id()) && !sa.isDeleted())
                .orElseThrow(() -> ApiException.at(ErrorKind.NOT_FOUND, "service_account_id", "kind",
                        "service account", "id", id));
    }

    private void create(RoutingContext ctx) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("name"));
        String name = AccessAdmin.name(body, "name");
        AccessAdmin.work(ctx, () -> a.store().database().transaction(c -> {
            Project p = AccessAdmin.project(ctx, a);
            if (p.status() != Project.Status.ACTIVE) {
                throw ApiException.of(ErrorKind.CONFLICT, "detail", "Project " + p.id() + " is archived.");
            }
            ServiceAccount sa = a.store().serviceAccounts().create(p.id(), name);
            CreatedKey key = a.store().apiKeys().create(KeySpec.forServiceAccount(sa, name));
            AccessAdmin.audit(a, "service_account.created", sa.id(), Map.of("project_id", p.id(), "name", name,
                    "key_id", key.key().id()));
            ObjectNode json = AccessObjects.serviceAccount(sa);
            ObjectNode k = json.putObject("api_key");
            k.put("object", "organization.project.service_account.api_key");
            k.put("id", key.key().id());
            k.put("name", key.key().name());
            k.put("redacted_value", key.key().redactedValue());
            k.put("created_at", AccessAdmin.seconds(key.key().createdAt()));
            k.put("value", key.secret());
            return json;
        }));
    }

    private void delete(RoutingContext ctx) {
        AccessAdmin.work(ctx, () -> {
            String id = a.store().database().transaction(c -> {
                ServiceAccount sa = find(ctx, AccessAdmin.project(ctx, a));
                if (a.store().serviceAccounts().delete(sa.id())) {
                    AccessAdmin.audit(a, "service_account.deleted", sa.id(), Map.of("project_id", sa.projectId()));
                }
                return sa.id();
            });
            a.keys().invalidateAll(); // its keys were revoked: stop them now
            return AccessObjects.deleted("organization.project.service_account.deleted", id);
        });
    }
}
