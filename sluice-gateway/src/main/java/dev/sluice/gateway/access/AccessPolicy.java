package dev.sluice.gateway.access;

import java.util.List;
import java.util.Set;

/**
 * Everything the access stages need to know about one project, compiled from storage and cached: its organization's
 * and its own IP allowlists, the unsupported countries (installation-wide and the organization's), the models its
 * organization may see (the tier) and the models the organization and the project may use. An empty list means no
 * restriction at that level.
 */
public record AccessPolicy(List<Cidr> organizationAllowlist, List<Cidr> projectAllowlist,
                           Set<String> unsupportedCountries, Set<String> visibleModels,
                           Set<String> organizationAllowedModels, Set<String> projectAllowedModels) {

    public static final AccessPolicy OPEN = new AccessPolicy(List.of(), List.of(), Set.of(), Set.of(), Set.of(), Set.of());

    public AccessPolicy {
        organizationAllowlist = List.copyOf(organizationAllowlist);
        projectAllowlist = List.copyOf(projectAllowlist);
        unsupportedCountries = Set.copyOf(unsupportedCountries);
        visibleModels = Set.copyOf(visibleModels);
        organizationAllowedModels = Set.copyOf(organizationAllowedModels);
        projectAllowedModels = Set.copyOf(projectAllowedModels);
    }

    /** True when both levels admit the address (a level without a list admits everything, null included). */
    public boolean admits(byte[] address) {
        return admits(organizationAllowlist, address) && admits(projectAllowlist, address);
    }

    private static boolean admits(List<Cidr> list, byte[] address) {
        if (list.isEmpty()) return true;
        for (Cidr c : list) if (c.contains(address)) return true;
        return false;
    }

    /** False when the country is on an unsupported list; an unknown country (null) is supported. */
    public boolean supports(String country) {
        return country == null || !unsupportedCountries.contains(country);
    }

    /** Whether the organization may see the model at all (its tier). */
    public boolean sees(String model) {
        return visibleModels.isEmpty() || visibleModels.contains(model);
    }

    /** Whether the organization and the project may both use a model they can see. */
    public boolean mayUse(String model) {
        return (organizationAllowedModels.isEmpty() || organizationAllowedModels.contains(model))
                && (projectAllowedModels.isEmpty() || projectAllowedModels.contains(model));
    }
}
