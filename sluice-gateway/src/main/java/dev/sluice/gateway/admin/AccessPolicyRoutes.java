package dev.sluice.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.access.Cidr;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.store.IpAllowlistEntry;
import dev.sluice.gateway.store.ModelAccessRules;
import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.Project;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Sluice's extensions of the Administration API for what OpenAI manages only in its dashboard, in the same style:
 * IP allowlists of organizations and projects ({@code .../ip_allowlist}, one entry per CIDR), the region policy
 * (an organization's and the installation-wide unsupported countries) and model access (an organization's visible
 * models, i.e. its tier, and the allowed models of organizations and projects). Every change applies at once on this
 * gateway.
 */
public final class AccessPolicyRoutes implements AdminRoutes {
    private final AdminContext a;

    public AccessPolicyRoutes(AdminContext a) {
        this.a = a;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/organization/ip_allowlist").handler(ctx -> AccessAdmin.work(ctx, () -> {
            Organization org = AccessAdmin.organization(ctx, a);
            return entries(ctx, org.id(), null);
        }));
        r.post("/v1/organization/ip_allowlist").handler(ctx -> addEntry(ctx, false));
        r.delete("/v1/organization/ip_allowlist/:entry_id").handler(ctx -> removeEntry(ctx, false));
        String project = "/v1/organization/projects/:project_id";
        r.get(project + "/ip_allowlist").handler(ctx -> AccessAdmin.work(ctx, () -> {
            Project p = AccessAdmin.project(ctx, a);
            return entries(ctx, p.orgId(), p.id());
        }));
        r.post(project + "/ip_allowlist").handler(ctx -> addEntry(ctx, true));
        r.delete(project + "/ip_allowlist/:entry_id").handler(ctx -> removeEntry(ctx, true));

        r.get("/v1/organization/region_policy").handler(ctx -> AccessAdmin.work(ctx, () ->
                region(AccessAdmin.organization(ctx, a).id())));
        r.post("/v1/organization/region_policy").handler(ctx -> setRegion(ctx, false));
        r.get("/v1/region_policy").handler(ctx -> AccessAdmin.work(ctx, () -> region(null)));
        r.post("/v1/region_policy").handler(ctx -> setRegion(ctx, true));

        r.get("/v1/organization/model_access").handler(ctx -> AccessAdmin.work(ctx, () ->
                models(AccessAdmin.organization(ctx, a).id(), null)));
        r.post("/v1/organization/model_access").handler(ctx -> setModels(ctx, false));
        r.get(project + "/model_access").handler(ctx -> AccessAdmin.work(ctx, () -> {
            Project p = AccessAdmin.project(ctx, a);
            return models(p.orgId(), p.id());
        }));
        r.post(project + "/model_access").handler(ctx -> setModels(ctx, true));
    }

    private ObjectNode entries(RoutingContext ctx, String orgId, String projectId) {
        return AccessAdmin.page(ctx, a.store().ipAllowlists().list(orgId, projectId), IpAllowlistEntry::id,
                AccessObjects::ipEntry);
    }

    private void addEntry(RoutingContext ctx, boolean forProject) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("cidr"));
        String text = AdminHttp.requiredString(body, "cidr");
        String cidr;
        try {
            cidr = Cidr.parse(text).toString();
        } catch (IllegalArgumentException e) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "cidr", "why", "expected an IPv4 or IPv6 CIDR like "
                    + "10.0.0.0/8 or 2001:db8::/32, but got '" + AccessAdmin.shorten(text) + "'");
        }
        AccessAdmin.work(ctx, () -> {
            IpAllowlistEntry e = a.store().database().transaction(c -> {
                String orgId;
                String projectId = null;
                if (forProject) {
                    Project p = AccessAdmin.project(ctx, a);
                    orgId = p.orgId();
                    projectId = p.id();
                } else {
                    orgId = AccessAdmin.organization(ctx, a).id();
                }
                String pid = projectId;
                if (a.store().ipAllowlists().list(orgId, pid).stream().anyMatch(x -> x.cidr().equals(cidr))) {
                    throw ApiException.of(ErrorKind.CONFLICT, "detail", "The allowlist already holds " + cidr + ".");
                }
                IpAllowlistEntry added = a.store().ipAllowlists().add(orgId, pid, cidr);
                AccessAdmin.audit(a, "ip_allowlist.added", pid != null ? pid : orgId, Map.of("entry_id", added.id(),
                        "cidr", cidr));
                return added;
            });
            a.policies().invalidateAll();
            return AccessObjects.ipEntry(e);
        });
    }

    private void removeEntry(RoutingContext ctx, boolean forProject) {
        AccessAdmin.work(ctx, () -> {
            String id = ctx.pathParam("entry_id");
            a.store().database().transaction(c -> {
                String orgId;
                String projectId = null;
                if (forProject) {
                    Project p = AccessAdmin.project(ctx, a);
                    orgId = p.orgId();
                    projectId = p.id();
                } else {
                    orgId = AccessAdmin.organization(ctx, a).id();
                }
                String pid = projectId;
                IpAllowlistEntry e = a.store().ipAllowlists().find(id)
                        .filter(x -> x.orgId().equals(orgId) && java.util.Objects.equals(x.projectId(), pid))
                        .orElseThrow(() -> ApiException.at(ErrorKind.NOT_FOUND, "entry_id", "kind",
                                "IP allowlist entry", "id", id));
                a.store().ipAllowlists().remove(e.id());
                AccessAdmin.audit(a, "ip_allowlist.removed", pid != null ? pid : orgId, Map.of("entry_id", e.id(),
                        "cidr", e.cidr()));
                return null;
            });
            a.policies().invalidateAll();
            return AccessObjects.deleted(forProject ? "organization.project.ip_allowlist.entry.deleted"
                    : "organization.ip_allowlist.entry.deleted", id);
        });
    }

    private ObjectNode region(String orgId) {
        ObjectNode o = AccessObjects.object(orgId == null ? "region_policy" : "organization.region_policy");
        if (orgId != null) o.put("organization_id", orgId);
        o.set("unsupported_countries", AccessObjects.strings(a.store().regionPolicies().unsupported(orgId)));
        return o;
    }

    private void setRegion(RoutingContext ctx, boolean global) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, Set.of("unsupported_countries"));
        List<String> codes = AccessAdmin.strings(body, "unsupported_countries", s -> s.matches("[A-Za-z]{2}") ? null
                : "expected a two-letter ISO 3166-1 country code, but got '" + AccessAdmin.shorten(s) + "'");
        if (codes == null) throw ApiException.at(ErrorKind.MISSING_PARAMETER, "unsupported_countries");
        Set<String> countries = new TreeSet<>();
        for (String c : codes) countries.add(c.toUpperCase(Locale.ROOT));
        AccessAdmin.work(ctx, () -> {
            String orgId = a.store().database().transaction(c -> {
                String id = global ? null : AccessAdmin.organization(ctx, a).id();
                if (a.store().regionPolicies().replace(id, countries)) {
                    AccessAdmin.audit(a, "region_policy.replaced", id, Map.of("unsupported_countries", countries));
                }
                return id;
            });
            a.policies().invalidateAll();
            return region(orgId);
        });
    }

    private ObjectNode models(String orgId, String projectId) {
        ModelAccessRules rules = a.store().modelAccess();
        ObjectNode o = AccessObjects.object(projectId == null ? "organization.model_access"
                : "organization.project.model_access");
        o.put("organization_id", orgId);
        if (projectId != null) {
            o.put("project_id", projectId);
        } else {
            o.set("visible_models", AccessObjects.strings(rules.list(orgId, null, ModelAccessRules.Kind.VISIBLE)));
        }
        o.set("allowed_models", AccessObjects.strings(rules.list(orgId, projectId, ModelAccessRules.Kind.ALLOWED)));
        return o;
    }

    private void setModels(RoutingContext ctx, boolean forProject) {
        ObjectNode body = AdminHttp.body(ctx);
        AdminHttp.onlyFields(body, forProject ? Set.of("allowed_models") : Set.of("visible_models", "allowed_models"));
        java.util.function.Function<String, String> known = m -> a.catalog().find(m).isPresent() ? null
                : "model '" + AccessAdmin.shorten(m) + "' is not in the catalogue";
        List<String> visible = forProject ? null : AccessAdmin.strings(body, "visible_models", known);
        List<String> allowed = AccessAdmin.strings(body, "allowed_models", known);
        if (visible == null && allowed == null) {
            throw ApiException.at(ErrorKind.MISSING_PARAMETER, forProject ? "allowed_models" : "allowed_models");
        }
        AccessAdmin.work(ctx, () -> {
            String[] scope = a.store().database().transaction(c -> {
                String orgId;
                String projectId = null;
                if (forProject) {
                    Project p = AccessAdmin.project(ctx, a);
                    orgId = p.orgId();
                    projectId = p.id();
                } else {
                    orgId = AccessAdmin.organization(ctx, a).id();
                }
                replace(orgId, projectId, ModelAccessRules.Kind.VISIBLE, visible);
                replace(orgId, projectId, ModelAccessRules.Kind.ALLOWED, allowed);
                return new String[] {orgId, projectId};
            });
            a.policies().invalidateAll();
            return models(scope[0], scope[1]);
        });
    }

    private void replace(String orgId, String projectId, ModelAccessRules.Kind kind, List<String> models) {
        if (models == null) return;
        Set<String> set = new TreeSet<>(models);
        if (a.store().modelAccess().replace(orgId, projectId, kind, set)) {
            AccessAdmin.audit(a, "model_access.replaced", projectId != null ? projectId : orgId,
                    Map.of("list", kind.value(), "models", set));
        }
    }
}
