package dev.sluice.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.Scopes;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.store.ApiKey;
import dev.sluice.gateway.store.CreatedKey;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.Project;
import dev.sluice.gateway.store.ServiceAccount;
import dev.sluice.gateway.store.User;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /v1/organization/projects/{id}/api_keys}: list, retrieve and delete (= revoke, effective at once on this
 * gateway) as in OpenAI's Administration API, plus create, which OpenAI leaves to its dashboard: it answers the key
 * with its secret in {@code value}, the only time the secret is ever shown.
 */
public final class ApiKeyRoutes implements AdminRoutes {
    private static final Set<String> CREATE_FIELDS = Set.of("name", "owner_user_id", "scopes", "expires_at");
    private final AdminContext a;

    public ApiKeyRoutes(AdminContext a) {
        this.a = a;
    }

    @Override
    public void mount(Router r) {
        String base = "/v1/organization/projects/:project_id/api_keys";
        r.get(base).handler(this::list);
        r.post(base).handler(this::create);
        r.get(base + "/:key_id").handler(ctx -> AccessAdmin.work(ctx, () -> {
            Project p = AccessAdmin.project(ctx, a);
            return describe(key(ctx, p), new HashMap<>());
        }));
        r.delete(base + "/:key_id").handler(this::revoke);
    }

    private void list(RoutingContext ctx) {
        boolean revoked = AccessAdmin.flag(ctx, "include_revoked");
        AccessAdmin.work(ctx, () -> {
            Project p = AccessAdmin.project(ctx, a);
            List<ApiKey> keys = a.store().apiKeys().listByProject(p.id()).stream()
                    .filter(k -> revoked || !k.isRevoked()).toList();
            Map<String, Object> owners = new HashMap<>();
            return AccessAdmin.page(ctx, keys, ApiKey::id, k -> describe(k, owners));
        });
    }

    private ApiKey key(RoutingContext ctx, Project p) {
        String id = ctx.pathParam("key_id");
        return a.store().apiKeys().find(id).filter(k -> k.projectId().equals(p.id()))
                .orElseThrow(() -> ApiException.at(ErrorKind.NOT_FOUND, "key_id", "kind", "API key", "id", id));
    }

    /** The key's JSON with its owner looked up (memoised per request in {@code owners}). */
    private ObjectNode describe(ApiKey k, Map<String, Object> owners) {
        User user = k.ownerUserId() == null ? null : (User) owners.computeIfAbsent(k.ownerUserId(),
                id -> a.store().users().find(id).orElse(null));
        ServiceAccount sa = k.serviceAccountId() == null ? null : (ServiceAccount) owners.computeIfAbsent(
                k.serviceAccountId(), id -> a.store().serviceAccounts().find(id).orElse(null));
        return AccessObjects.apiKey(k, user, sa);
    }

    private void create(RoutingContext ctx) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, CREATE_FIELDS);
        String name = AccessAdmin.name(body, "name");
        if (name.startsWith(dev.sluice.gateway.pipeline.Caller.BATCH_KEY_NAME_PREFIX)) {
            throw dev.sluice.gateway.pipeline.ApiException.at(dev.sluice.protocol.ErrorKind.INVALID_VALUE, "name",
                    "why", "names starting with '" + dev.sluice.gateway.pipeline.Caller.BATCH_KEY_NAME_PREFIX
                            + "' are reserved for the keys the Batch API mints");
        }
        String owner = AdminHttp.optionalString(body, "owner_user_id");
        List<String> scopes = AccessAdmin.strings(body, "scopes", s -> Scopes.ALL.contains(s) ? null
                : "unknown scope '" + AccessAdmin.shorten(s) + "' (expected one of " + Scopes.ALL.stream().sorted().toList() + ")");
        Long expires = AdminHttp.optionalLong(body, "expires_at", 0, 253_402_300_799L);
        AccessAdmin.work(ctx, () -> {
            Instant expiresAt = expires == null ? null : Instant.ofEpochSecond(expires);
            if (expiresAt != null && !expiresAt.isAfter(a.clock().instant())) {
                throw ApiException.at(ErrorKind.INVALID_VALUE, "expires_at", "why", "it must be in the future");
            }
            return a.store().database().transaction(c -> {
                Project p = AccessAdmin.project(ctx, a);
                if (p.status() != Project.Status.ACTIVE) {
                    throw ApiException.of(ErrorKind.CONFLICT, "detail", "Project " + p.id() + " is archived; its keys "
                            + "cannot be created.");
                }
                User user = null;
                if (owner != null) {
                    user = a.store().users().find(owner).orElseThrow(() ->
                            ApiException.at(ErrorKind.NOT_FOUND, "owner_user_id", "kind", "user", "id", owner));
                    if (a.store().organizations().membership(p.orgId(), owner).isEmpty()) {
                        throw ApiException.at(ErrorKind.INVALID_VALUE, "owner_user_id", "why", "user " + owner
                                + " is not a member of organization " + p.orgId());
                    }
                }
                KeySpec spec = (owner != null ? KeySpec.forUser(p.id(), owner, name) : KeySpec.unowned(p.id(), name))
                        .withScopes(scopes == null ? Set.of() : new TreeSet<>(scopes)).withExpiry(expiresAt);
                CreatedKey created = a.store().apiKeys().create(spec);
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("project_id", p.id());
                detail.put("name", name);
                detail.put("owner_user_id", owner);
                detail.put("scopes", created.key().scopes());
                detail.put("expires_at", expires);
                AccessAdmin.audit(a, "api_key.created", created.key().id(), detail);
                ObjectNode json = AccessObjects.apiKey(created.key(), user, null);
                json.put("value", created.secret());
                return json;
            });
        });
    }

    private void revoke(RoutingContext ctx) {
        AccessAdmin.work(ctx, () -> {
            String id = a.store().database().transaction(c -> {
                Project p = AccessAdmin.project(ctx, a);
                ApiKey k = key(ctx, p);
                if (a.store().apiKeys().revoke(k.id(), Instant.now(a.clock()))) {
                    AccessAdmin.audit(a, "api_key.revoked", k.id(), Map.of("project_id", p.id()));
                }
                return k.id();
            });
            a.keys().invalidateKey(id); // the revocation holds from the next request on, on this gateway
            return AccessObjects.deleted("organization.project.api_key.deleted", id);
        });
    }
}
