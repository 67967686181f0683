package dev.sluice.gateway.quota;

import dev.sluice.gateway.limits.LimitScope;

/** An organization or a project, as the holder of a budget, credits or spend. */
public record Owner(LimitScope scope, String id) {
    public static Owner org(String id) { return new Owner(LimitScope.ORGANIZATION, id); }

    public static Owner project(String id) { return new Owner(LimitScope.PROJECT, id); }
}
