package dev.sluice.gateway.validation;

import java.util.List;
import java.util.Set;

/**
 * One body parameter of an endpoint: its accepted JSON types, whether it is required, and optional numeric range or
 * allowed values. {@code null} is accepted for optional parameters, as OpenAI does.
 */
public record Param(String name, List<JsonType> types, boolean required, Double min, Double max, Set<String> allowed) {

    public static Param required(String name, JsonType... types) {
        return new Param(name, List.of(types), true, null, null, null);
    }

    public static Param optional(String name, JsonType... types) {
        return new Param(name, List.of(types), false, null, null, null);
    }

    public Param range(double lo, double hi) {
        return new Param(name, types, required, lo, hi, allowed);
    }

    public Param oneOf(String... values) {
        return new Param(name, types, required, min, max, Set.of(values));
    }
}
