package dev.sluice.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.store.ApiKey;
import dev.sluice.gateway.store.IpAllowlistEntry;
import dev.sluice.gateway.store.Membership;
import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.Project;
import dev.sluice.gateway.store.ServiceAccount;
import dev.sluice.gateway.store.User;

import java.util.Collection;

import static dev.sluice.gateway.admin.AccessAdmin.seconds;

/**
 * The JSON shapes of the access model on the admin API, following OpenAI's Administration API where it has one
 * ({@code organization.project}, {@code organization.project.api_key}, {@code organization.user}, ...; times in Unix
 * seconds) and extending it in the same style. A key appears only with its redacted value; the secret is added once,
 * by the endpoint that creates it.
 */
final class AccessObjects {
    private AccessObjects() {}

    static ObjectNode object(String type) {
        ObjectNode o = AdminHttp.JSON.createObjectNode();
        o.put("object", type);
        return o;
    }

    static ObjectNode organization(Organization org) {
        ObjectNode o = object("organization");
        o.put("id", org.id());
        o.put("name", org.name());
        o.put("created_at", seconds(org.createdAt()));
        return o;
    }

    static ObjectNode project(Project p) {
        ObjectNode o = object("organization.project");
        o.put("id", p.id());
        o.put("name", p.name());
        o.put("organization_id", p.orgId());
        o.put("created_at", seconds(p.createdAt()));
        o.put("archived_at", seconds(p.archivedAt()));
        o.put("status", p.status().value());
        return o;
    }

    static ObjectNode user(User u, Membership m) {
        ObjectNode o = object("organization.user");
        o.put("id", u.id());
        o.put("name", u.name());
        o.put("email", u.email());
        o.put("role", m.role().value());
        o.put("added_at", seconds(m.createdAt()));
        return o;
    }

    static ObjectNode serviceAccount(ServiceAccount sa) {
        ObjectNode o = object("organization.project.service_account");
        o.put("id", sa.id());
        o.put("name", sa.name());
        o.put("role", "member");
        o.put("created_at", seconds(sa.createdAt()));
        return o;
    }

    /** A key as listed: owner (a user, a service account, or null for a declared key), scopes, expiry, revocation. */
    static ObjectNode apiKey(ApiKey k, User owner, ServiceAccount account) {
        ObjectNode o = object("organization.project.api_key");
        o.put("id", k.id());
        o.put("name", k.name());
        o.put("redacted_value", k.redactedValue());
        o.put("project_id", k.projectId());
        o.put("created_at", seconds(k.createdAt()));
        o.put("last_used_at", seconds(k.lastUsedAt()));
        o.put("expires_at", seconds(k.expiresAt()));
        o.put("revoked_at", seconds(k.revokedAt()));
        o.set("scopes", strings(k.scopes()));
        if (owner != null) {
            ObjectNode ow = o.putObject("owner");
            ow.put("type", "user");
            ObjectNode u = ow.putObject("user");
            u.put("id", owner.id());
            u.put("name", owner.name());
            u.put("email", owner.email());
        } else if (account != null) {
            ObjectNode ow = o.putObject("owner");
            ow.put("type", "service_account");
            ow.set("service_account", serviceAccount(account));
        } else {
            o.putNull("owner");
        }
        return o;
    }

    static ObjectNode ipEntry(IpAllowlistEntry e) {
        ObjectNode o = object(e.projectId() == null ? "organization.ip_allowlist.entry"
                : "organization.project.ip_allowlist.entry");
        o.put("id", e.id());
        o.put("cidr", e.cidr());
        o.put("organization_id", e.orgId());
        if (e.projectId() != null) o.put("project_id", e.projectId());
        o.put("created_at", seconds(e.createdAt()));
        return o;
    }

    static ObjectNode deleted(String type, String id) {
        ObjectNode o = object(type);
        o.put("id", id);
        o.put("deleted", true);
        return o;
    }

    static com.fasterxml.jackson.databind.node.ArrayNode strings(Collection<String> values) {
        com.fasterxml.jackson.databind.node.ArrayNode a = AdminHttp.JSON.createArrayNode();
        values.stream().sorted().forEach(a::add);
        return a;
    }
}
