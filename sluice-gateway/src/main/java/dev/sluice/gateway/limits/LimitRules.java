package dev.sluice.gateway.limits;

import dev.sluice.gateway.config.SluiceConfig;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The limits in force: the per-family defaults of sluice.yaml under the admin API's per-owner overrides. Overrides
 * are replaced wholesale when the database changes (this gateway's admin writes at once, other gateways' on the next
 * reload); the resolved limits and their store keys are cached per owner and family until then, so the hot path is
 * two map lookups.
 */
public final class LimitRules {
    private final String keyPrefix;
    private volatile Map<String, LimitSet> orgDefaults = Map.of();
    private volatile Map<String, LimitSet> projectDefaults = Map.of();
    private volatile State state = new State(Map.of());

    /**
     * The overrides and the cache built from them, swapped together so a stale entry cannot outlive a change. The
     * cache is held per scope by owner id, then family: a decision's two lookups build no key object (a null id or
     * family, which those maps cannot hold, goes to {@code others}).
     */
    private record State(Map<OwnerFamily, RateLimitOverride> overrides,
                         ConcurrentHashMap<String, ConcurrentHashMap<String, Resolved>> orgs,
                         ConcurrentHashMap<String, ConcurrentHashMap<String, Resolved>> projects,
                         ConcurrentHashMap<OwnerFamily, Resolved> others) {
        State(Map<OwnerFamily, RateLimitOverride> overrides) {
            this(Map.copyOf(overrides), new ConcurrentHashMap<>(), new ConcurrentHashMap<>(),
                    new ConcurrentHashMap<>());
        }
    }

    /**
     * The effective limits of one owner and family, with the store key of each limit and the group of those keys
     * (their common prefix).
     */
    public record Resolved(OwnerFamily owner, LimitSet values, String[] keys, String group) {
        public String key(LimitKind kind) { return keys[kind.ordinal()]; }
    }

    public LimitRules(Map<String, SluiceConfig.FamilyLimits> defaults, String keyPrefix) {
        this.keyPrefix = keyPrefix == null ? "" : keyPrefix;
        installDefaults(defaults);
    }

    /**
     * Installs new per-family defaults (a config reload) and drops the resolved cache; the limiter's counters live
     * in the store under keys of owner and family, so they carry over.
     */
    public synchronized void replaceDefaults(Map<String, SluiceConfig.FamilyLimits> defaults) {
        installDefaults(defaults);
        state = new State(state.overrides);
    }

    private void installDefaults(Map<String, SluiceConfig.FamilyLimits> defaults) {
        Map<String, LimitSet> org = new HashMap<>();
        Map<String, LimitSet> project = new HashMap<>();
        if (defaults != null) {
            defaults.forEach((family, f) -> {
                if (f == null) return;
                org.put(family, LimitSet.of(f.organization()));
                project.put(family, LimitSet.of(f.project()));
            });
        }
        this.orgDefaults = Map.copyOf(org);
        this.projectDefaults = Map.copyOf(project);
    }

    public Resolved effective(LimitScope scope, String ownerId, String family) {
        State st = state;
        if (ownerId == null || family == null) {
            return st.others.computeIfAbsent(new OwnerFamily(scope, ownerId, family),
                    x -> resolve(x, st.overrides.get(x)));
        }
        var byOwner = scope == LimitScope.ORGANIZATION ? st.orgs : st.projects;
        var byFamily = byOwner.get(ownerId);
        if (byFamily == null) byFamily = byOwner.computeIfAbsent(ownerId, o -> new ConcurrentHashMap<>());
        Resolved r = byFamily.get(family);
        if (r != null) return r;
        return byFamily.computeIfAbsent(family, f -> {
            OwnerFamily k = new OwnerFamily(scope, ownerId, f);
            return resolve(k, st.overrides.get(k));
        });
    }

    public LimitSet defaults(LimitScope scope, String family) {
        return (scope == LimitScope.ORGANIZATION ? orgDefaults : projectDefaults).getOrDefault(family, LimitSet.NONE);
    }

    public Optional<RateLimitOverride> override(OwnerFamily k) {
        return Optional.ofNullable(state.overrides.get(k));
    }

    /** Installs the overrides read from the database; a no-op when nothing changed. */
    public void replaceOverrides(Map<OwnerFamily, RateLimitOverride> overrides) {
        if (!overrides.equals(state.overrides)) state = new State(overrides);
    }

    private Resolved resolve(OwnerFamily k, RateLimitOverride o) {
        LimitSet values = defaults(k.scope(), k.family()).overlay(o == null ? null : o.values());
        String[] keys = new String[LimitKind.values().length];
        String base = keyPrefix + "rl:" + k.scope().code() + ":" + k.ownerId() + ":" + k.family() + ":";
        for (LimitKind kind : LimitKind.values()) keys[kind.ordinal()] = base + kind.code();
        return new Resolved(k, values, keys, base);
    }
}
