package dev.sluice.gateway.config;

import dev.sluice.gateway.access.Cidr;
import dev.sluice.gateway.access.CountryTable;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Scopes;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the access settings of the configuration ({@code trusted_proxies}, {@code region}, {@code access}) before
 * anything starts, so a typo stops start-up with a message naming the key instead of silently opening or closing
 * access. Secrets are checked for presence only; their values never appear in a message.
 */
final class AccessConfigValidation {
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern COUNTRY = Pattern.compile("[A-Za-z]{2}");
    /** Declared secrets must be at least this long: they guard real access. */
    static final int MIN_SECRET_LENGTH = 16;

    private AccessConfigValidation() {}

    public static void validate(SluiceConfig c, Map<String, String> env) {
        List<String> proxies = c.trustedProxies() == null ? List.of() : c.trustedProxies();
        for (int i = 0; i < proxies.size(); i++) cidr("trusted_proxies[" + i + "]", proxies.get(i));
        SluiceConfig.Region r = c.region();
        if (r != null && r.countryHeader() != null) {
            require(HEADER.matcher(r.countryHeader()).matches(), "region.country_header",
                    "must be an HTTP header name, not '" + r.countryHeader() + "'");
        }
        if (r != null && r.countryTable() != null) {
            try {
                CountryTable.load(Path.of(r.countryTable()));
            } catch (IllegalArgumentException e) {
                fail("region.country_table", "is invalid: " + e.getMessage());
            }
        }
        if (c.access() != null) access(c, c.access(), env == null ? Map.of() : env);
    }

    private static void access(SluiceConfig c, SluiceConfig.Access a, Map<String, String> env) {
        Set<String> models = new HashSet<>();
        for (SluiceConfig.Model m : c.models()) models.add(m.id());
        countries("access.unsupported_countries", a.unsupportedCountries());
        Set<String> emails = new HashSet<>();
        List<SluiceConfig.AccessUser> users = list(a.users());
        for (int i = 0; i < users.size(); i++) {
            SluiceConfig.AccessUser u = users.get(i);
            String k = "access.users[" + i + "]";
            require(u.email() != null && u.email().contains("@") && !u.email().isBlank(), k + ".email",
                    "must be an email address");
            require(emails.add(u.email().strip().toLowerCase(java.util.Locale.ROOT)), k + ".email",
                    "declares '" + u.email() + "' twice");
            require(u.name() != null && !u.name().isBlank(), k + ".name", "is required");
        }
        Set<String> orgNames = new HashSet<>();
        Map<String, String> secrets = new HashMap<>();
        List<SluiceConfig.AccessOrganization> orgs = list(a.organizations());
        for (int i = 0; i < orgs.size(); i++) {
            SluiceConfig.AccessOrganization o = orgs.get(i);
            String k = "access.organizations[" + i + "]";
            require(o.name() != null && !o.name().isBlank(), k + ".name", "is required");
            require(orgNames.add(o.name()), k + ".name", "declares organization '" + o.name() + "' twice");
            Set<String> members = new HashSet<>();
            List<SluiceConfig.AccessMember> ms = list(o.members());
            for (int j = 0; j < ms.size(); j++) {
                SluiceConfig.AccessMember m = ms.get(j);
                String mk = k + ".members[" + j + "]";
                String email = m.email() == null ? null : m.email().strip().toLowerCase(java.util.Locale.ROOT);
                require(email != null && emails.contains(email), mk + ".email",
                        "must be one of the emails declared in access.users");
                require(members.add(email), mk + ".email", "lists '" + m.email() + "' twice");
                require(m.role() == null || m.role().equals("owner") || m.role().equals("reader"), mk + ".role",
                        "must be 'owner' or 'reader'");
            }
            cidrs(k + ".ip_allowlist", o.ipAllowlist());
            countries(k + ".unsupported_countries", o.unsupportedCountries());
            models(k + ".visible_models", o.visibleModels(), models);
            models(k + ".allowed_models", o.allowedModels(), models);
            Set<String> projectNames = new HashSet<>();
            List<SluiceConfig.AccessProject> ps = list(o.projects());
            for (int j = 0; j < ps.size(); j++) {
                SluiceConfig.AccessProject p = ps.get(j);
                String pk = k + ".projects[" + j + "]";
                require(p.name() != null && !p.name().isBlank(), pk + ".name", "is required");
                require(projectNames.add(p.name()), pk + ".name", "declares project '" + p.name() + "' twice");
                cidrs(pk + ".ip_allowlist", p.ipAllowlist());
                models(pk + ".allowed_models", p.allowedModels(), models);
                Set<String> accounts = new HashSet<>();
                List<String> sas = list(p.serviceAccounts());
                for (int s = 0; s < sas.size(); s++) {
                    require(sas.get(s) != null && !sas.get(s).isBlank(), pk + ".service_accounts[" + s + "]",
                            "must be a name");
                    require(accounts.add(sas.get(s)), pk + ".service_accounts[" + s + "]",
                            "declares '" + sas.get(s) + "' twice");
                }
                Set<String> keyNames = new HashSet<>();
                List<SluiceConfig.AccessKey> ks = list(p.keys());
                for (int n = 0; n < ks.size(); n++) {
                    key(pk + ".keys[" + n + "]", ks.get(n), keyNames, members, accounts, env, secrets);
                }
            }
        }
    }

    private static void key(String k, SluiceConfig.AccessKey key, Set<String> names, Set<String> members,
                            Set<String> accounts, Map<String, String> env, Map<String, String> secrets) {
        require(key.name() != null && !key.name().isBlank(), k + ".name", "is required");
        require(names.add(key.name()), k + ".name", "declares key '" + key.name() + "' twice in this project");
        require(!key.name().startsWith(Caller.BATCH_KEY_NAME_PREFIX), k + ".name",
                "must not start with '" + Caller.BATCH_KEY_NAME_PREFIX
                        + "' (reserved for the keys the Batch API mints)");
        require(key.secretEnv() != null && !key.secretEnv().isBlank(), k + ".secret_env",
                "is required: the name of the environment variable that holds the key's secret");
        String secret = env.get(key.secretEnv());
        require(secret != null && !secret.isBlank(), k + ".secret_env",
                "names environment variable " + key.secretEnv() + ", which is not set");
        require(secret.strip().length() >= MIN_SECRET_LENGTH, k + ".secret_env",
                "environment variable " + key.secretEnv() + " holds a secret shorter than " + MIN_SECRET_LENGTH
                        + " characters");
        String other = secrets.putIfAbsent(secret.strip(), k);
        require(other == null, k + ".secret_env", "holds the same secret as " + other);
        require(key.owner() == null || key.serviceAccount() == null, k,
                "may have an owner or a service_account, not both");
        if (key.owner() != null) {
            require(members.contains(key.owner().strip().toLowerCase(java.util.Locale.ROOT)), k + ".owner",
                    "must be a member of the organization (listed in its members)");
        }
        if (key.serviceAccount() != null) {
            require(accounts.contains(key.serviceAccount()), k + ".service_account",
                    "must be one of the project's service_accounts");
        }
        List<String> scopes = list(key.scopes());
        for (int s = 0; s < scopes.size(); s++) {
            require(Scopes.ALL.contains(scopes.get(s)), k + ".scopes[" + s + "]",
                    "unknown scope '" + scopes.get(s) + "' (expected one of " + Scopes.ALL.stream().sorted().toList() + ")");
        }
        if (key.expiresAt() != null) {
            try {
                Instant.parse(key.expiresAt());
            } catch (DateTimeParseException e) {
                fail(k + ".expires_at", "must be an ISO-8601 instant like 2027-01-31T00:00:00Z");
            }
        }
    }

    private static void cidrs(String key, List<String> values) {
        List<String> l = list(values);
        for (int i = 0; i < l.size(); i++) cidr(key + "[" + i + "]", l.get(i));
    }

    private static void cidr(String key, String value) {
        try {
            Cidr.parse(value);
        } catch (IllegalArgumentException e) {
            fail(key, "is invalid: " + e.getMessage());
        }
    }

    private static void countries(String key, List<String> values) {
        List<String> l = list(values);
        for (int i = 0; i < l.size(); i++) {
            require(l.get(i) != null && COUNTRY.matcher(l.get(i)).matches(), key + "[" + i + "]",
                    "must be a two-letter ISO 3166-1 country code, not '" + l.get(i) + "'");
        }
    }

    private static void models(String key, List<String> values, Set<String> known) {
        List<String> l = list(values);
        for (int i = 0; i < l.size(); i++) {
            require(known.contains(l.get(i)), key + "[" + i + "]",
                    "names model '" + l.get(i) + "', which is not in the catalogue (models[].id)");
        }
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static void require(boolean ok, String key, String why) {
        if (!ok) fail(key, why);
    }

    private static void fail(String key, String why) {
        throw new ConfigException("Invalid config: key '" + key + "' " + why);
    }
}
