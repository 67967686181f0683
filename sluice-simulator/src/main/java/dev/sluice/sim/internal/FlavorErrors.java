package dev.sluice.sim.internal;

import dev.sluice.protocol.ErrorKind;

import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.Set;

/**
 * The {@code error=NAME} rows of a provider flavor whose names are the provider's own spelling
 * ({@code RESOURCE_EXHAUSTED}, {@code ThrottlingException}): looked up case-insensitively, and an unknown name is a
 * 400 naming the directive and the known names, checked before any fault runs.
 */
public final class FlavorErrors {
    private final String flavor;
    private final Set<String> names;

    public FlavorErrors(String flavor, Set<String> names) {
        this.flavor = flavor;
        this.names = Set.copyOf(names);
    }

    /** The canonical spelling of {@code name}, or empty when it is null. Throws for a name of no row. */
    public Optional<String> resolve(String name) {
        if (name == null) return Optional.empty();
        for (String n : names) {
            if (n.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) return Optional.of(n);
        }
        throw SimError.at(ErrorKind.INVALID_VALUE, SimRoutes.SIM_HEADER, "why", "directive 'error' names no error of "
                + "the " + flavor + " flavor, got '" + name + "' (known: " + String.join(", ", new TreeSet<>(names))
                + ")");
    }
}
