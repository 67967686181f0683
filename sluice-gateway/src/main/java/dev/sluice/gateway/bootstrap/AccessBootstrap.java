package dev.sluice.gateway.bootstrap;

import dev.sluice.gateway.access.Cidr;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.ApiKey;
import dev.sluice.gateway.store.CreatedKey;
import dev.sluice.gateway.store.KeyPrincipal;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.Membership;
import dev.sluice.gateway.store.ModelAccessRules;
import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.Project;
import dev.sluice.gateway.store.ServiceAccount;
import dev.sluice.gateway.store.User;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies the {@code access:} section of sluice.yaml at start, so a test or a GitOps setup starts from one file. Names
 * are the identity: what exists is kept, what is missing is created, and lists that are given replace the stored
 * ones, so a second run with the same file changes nothing. It runs in one transaction under a lock, so gateways
 * starting together apply it once.
 */
public final class AccessBootstrap {
    static final String ACTOR = "config";
    private static final String LOCK = "bootstrap.lock";
    private static final Logger log = LoggerFactory.getLogger(AccessBootstrap.class);

    private final AccessStore store;
    private final Map<String, String> env;
    private int changes;

    private AccessBootstrap(AccessStore store, Map<String, String> env) {
        this.store = store;
        this.env = env;
    }

    /**
     * Applies {@code access} (already checked by {@link AccessConfigValidation}); returns how many changes it made.
     * A state the file cannot be applied to (two organizations of the declared name, a declared secret that is a key
     * of another project) is a {@link ConfigException} naming the key.
     */
    public static int apply(AccessStore store, SluiceConfig.Access access, Map<String, String> env) {
        if (access == null) return 0;
        AccessBootstrap b = new AccessBootstrap(store, env);
        store.database().transaction(c -> {
            store.settings().lock(LOCK);
            b.run(access);
            return null;
        });
        if (b.changes > 0) log.info("Applied the access section of the config: {} change(s)", b.changes);
        return b.changes;
    }

    private void run(SluiceConfig.Access a) {
        if (a.unsupportedCountries() != null && store.regionPolicies().replace(null, countries(a.unsupportedCountries()))) {
            audit("region_policy.replaced", null, Map.of("unsupported_countries", countries(a.unsupportedCountries())));
        }
        Map<String, User> users = new LinkedHashMap<>();
        for (SluiceConfig.AccessUser u : list(a.users())) {
            User user = store.users().findByEmail(u.email()).orElseGet(() -> {
                User created = store.users().create(u.email(), u.name().strip());
                audit("user.created", created.id(), Map.of("email", created.email()));
                return created;
            });
            users.put(user.email(), user);
        }
        List<SluiceConfig.AccessOrganization> orgs = list(a.organizations());
        for (int i = 0; i < orgs.size(); i++) organization("access.organizations[" + i + "]", orgs.get(i), users);
    }

    private void organization(String key, SluiceConfig.AccessOrganization o, Map<String, User> users) {
        List<Organization> named = store.organizations().list().stream().filter(x -> x.name().equals(o.name())).toList();
        if (named.size() > 1) {
            throw new ConfigException("Invalid config: key '" + key + ".name' names organization '" + o.name()
                    + "', but " + named.size() + " organizations have that name; rename all but one");
        }
        Organization org = named.isEmpty() ? created(store.organizations().create(o.name())) : named.getFirst();
        for (SluiceConfig.AccessMember m : list(o.members())) {
            User user = users.get(m.email().strip().toLowerCase(Locale.ROOT));
            Membership.Role role = m.role() == null ? Membership.Role.READER : Membership.Role.of(m.role());
            Optional<Membership> current = store.organizations().membership(org.id(), user.id());
            if (current.isEmpty()) {
                store.organizations().addMember(org.id(), user.id(), role);
                audit("membership.added", org.id(), Map.of("user_id", user.id(), "role", role.value()));
            } else if (current.get().role() != role) {
                store.organizations().setRole(org.id(), user.id(), role);
                audit("membership.role_changed", org.id(), Map.of("user_id", user.id(), "role", role.value()));
            }
        }
        allowlist(org.id(), null, o.ipAllowlist());
        if (o.unsupportedCountries() != null
                && store.regionPolicies().replace(org.id(), countries(o.unsupportedCountries()))) {
            audit("region_policy.replaced", org.id(), Map.of("unsupported_countries", countries(o.unsupportedCountries())));
        }
        models(org.id(), null, ModelAccessRules.Kind.VISIBLE, o.visibleModels());
        models(org.id(), null, ModelAccessRules.Kind.ALLOWED, o.allowedModels());
        List<SluiceConfig.AccessProject> projects = list(o.projects());
        for (int j = 0; j < projects.size(); j++) {
            project(key + ".projects[" + j + "]", org, projects.get(j), users);
        }
    }

    private Organization created(Organization org) {
        audit("organization.created", org.id(), Map.of("name", org.name()));
        return org;
    }

    private void project(String key, Organization org, SluiceConfig.AccessProject p, Map<String, User> users) {
        List<Project> named = store.projects().listByOrg(org.id()).stream()
                .filter(x -> x.status() == Project.Status.ACTIVE && x.name().equals(p.name())).toList();
        if (named.size() > 1) {
            throw new ConfigException("Invalid config: key '" + key + ".name' names project '" + p.name()
                    + "', but organization '" + org.name() + "' has " + named.size()
                    + " active projects of that name; rename or archive all but one");
        }
        Project project;
        if (named.isEmpty()) {
            project = store.projects().create(org.id(), p.name());
            audit("project.created", project.id(), Map.of("org_id", org.id(), "name", project.name()));
        } else {
            project = named.getFirst();
        }
        allowlist(org.id(), project.id(), p.ipAllowlist());
        models(org.id(), project.id(), ModelAccessRules.Kind.ALLOWED, p.allowedModels());
        Map<String, ServiceAccount> accounts = new LinkedHashMap<>();
        for (ServiceAccount sa : store.serviceAccounts().listByProject(project.id())) {
            if (!sa.isDeleted()) accounts.putIfAbsent(sa.name(), sa);
        }
        for (String name : list(p.serviceAccounts())) {
            accounts.computeIfAbsent(name, n -> {
                ServiceAccount sa = store.serviceAccounts().create(project.id(), n);
                audit("service_account.created", sa.id(), Map.of("project_id", project.id(), "name", n));
                return sa;
            });
        }
        List<SluiceConfig.AccessKey> keys = list(p.keys());
        for (int k = 0; k < keys.size(); k++) {
            key(key + ".keys[" + k + "]", project, keys.get(k), users, accounts);
        }
    }

    private void key(String key, Project project, SluiceConfig.AccessKey k, Map<String, User> users,
                     Map<String, ServiceAccount> accounts) {
        String secret = env.get(k.secretEnv()).strip();
        Set<String> scopes = new TreeSet<>(list(k.scopes()));
        Instant expiresAt = k.expiresAt() == null ? null : Instant.parse(k.expiresAt());
        String setting = "bootstrap.key." + project.id() + "." + k.name();
        Optional<KeyPrincipal> existing = store.apiKeys().findBySecret(secret);
        if (existing.isPresent()) {
            ApiKey found = existing.get().key();
            if (!found.projectId().equals(project.id())) {
                throw new ConfigException("Invalid config: key '" + key + ".secret_env': the secret in "
                        + k.secretEnv() + " is already a key of another project (" + found.projectId() + ")");
            }
            if (found.isRevoked()) {
                log.warn("Declared key '{}' of project {} was revoked at {}; put a new secret in {} to replace it",
                        k.name(), project.id(), found.revokedAt(), k.secretEnv());
            } else if (!found.scopes().equals(scopes) || !java.util.Objects.equals(found.expiresAt(), millis(expiresAt))) {
                store.apiKeys().setRestrictions(found.id(), scopes, expiresAt);
                audit("api_key.restrictions_changed", found.id(), restrictions(scopes, expiresAt));
            }
            if (!store.settings().get(setting).map(found.id()::equals).orElse(false)) {
                store.settings().put(setting, found.id());
            }
            return;
        }
        KeySpec spec;
        if (k.owner() != null) {
            spec = KeySpec.forUser(project.id(), users.get(k.owner().strip().toLowerCase(Locale.ROOT)).id(), k.name());
        } else if (k.serviceAccount() != null) {
            spec = KeySpec.forServiceAccount(accounts.get(k.serviceAccount()), k.name());
        } else {
            spec = KeySpec.unowned(project.id(), k.name());
        }
        CreatedKey created = store.apiKeys().createWithSecret(spec.withScopes(scopes).withExpiry(expiresAt), secret);
        Map<String, Object> detail = new LinkedHashMap<>(restrictions(scopes, expiresAt));
        detail.put("project_id", project.id());
        detail.put("name", k.name());
        Optional<String> previous = store.settings().get(setting);
        if (previous.isPresent() && store.apiKeys().revoke(previous.get(), created.key().createdAt())) {
            detail.put("replaces", previous.get());
            audit("api_key.rotated", previous.get(), Map.of("replaced_by", created.key().id()));
        }
        store.settings().put(setting, created.key().id());
        audit("api_key.created", created.key().id(), detail);
    }

    private void allowlist(String orgId, String projectId, List<String> cidrs) {
        if (cidrs == null) return;
        Set<String> canonical = new LinkedHashSet<>();
        for (String c : cidrs) canonical.add(Cidr.parse(c).toString());
        if (store.ipAllowlists().replace(orgId, projectId, canonical)) {
            audit("ip_allowlist.replaced", projectId != null ? projectId : orgId, Map.of("cidrs", canonical));
        }
    }

    private void models(String orgId, String projectId, ModelAccessRules.Kind kind, List<String> models) {
        if (models == null) return;
        Set<String> set = new TreeSet<>(models);
        if (store.modelAccess().replace(orgId, projectId, kind, set)) {
            audit("model_access.replaced", projectId != null ? projectId : orgId,
                    Map.of("list", kind.value(), "models", set));
        }
    }

    private static Map<String, Object> restrictions(Set<String> scopes, Instant expiresAt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scopes", scopes);
        m.put("expires_at", expiresAt == null ? null : expiresAt.toString());
        return m;
    }

    private static Instant millis(Instant t) {
        return t == null ? null : Instant.ofEpochMilli(t.toEpochMilli());
    }

    private static Set<String> countries(List<String> codes) {
        Set<String> out = new TreeSet<>();
        for (String c : codes) out.add(c.strip().toUpperCase(Locale.ROOT));
        return out;
    }

    private void audit(String action, String target, Map<String, ?> detail) {
        changes++;
        store.audit().record(ACTOR, action, target, detail);
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }
}
