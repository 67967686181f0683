package dev.sluice.gateway.validation;

import java.util.List;
import java.util.Set;

/**
 * One body parameter of an endpoint (or one member of an array or object parameter): its accepted JSON types, whether
 * it is required, and optional numeric range, allowed string values, the shape of each array element
 * ({@link #each}), the known members of an object value ({@link #with}, other members are left alone) and the shape
 * of every member's value ({@link #values}). {@code null} is accepted for optional parameters, as OpenAI does, but
 * never as an array element.
 */
public record Param(String name, List<JsonType> types, boolean required, Double min, Double max, Set<String> allowed,
                    Param element, List<Param> members, Param memberValue) {

    public static Param required(String name, JsonType... types) {
        return new Param(name, List.of(types), true, null, null, null, null, null, null);
    }

    public static Param optional(String name, JsonType... types) {
        return new Param(name, List.of(types), false, null, null, null, null, null, null);
    }

    /** The shape of an array element (its name is not used: elements are named {@code param[i]}). */
    public static Param item(JsonType... types) {
        return optional("", types);
    }

    public Param range(double lo, double hi) {
        return new Param(name, types, required, lo, hi, allowed, element, members, memberValue);
    }

    public Param oneOf(String... values) {
        return new Param(name, types, required, min, max, Set.of(values), element, members, memberValue);
    }

    /** Each element of an array value must match {@code item}. */
    public Param each(Param item) {
        return new Param(name, types, required, min, max, allowed, item, members, memberValue);
    }

    /** An object value's members that are checked ({@code param.member}); unknown members are not refused. */
    public Param with(Param... known) {
        return new Param(name, types, required, min, max, allowed, element, List.of(known), memberValue);
    }

    /** Every member value of an object value must match {@code value} (a map such as {@code logit_bias}). */
    public Param values(Param value) {
        return new Param(name, types, required, min, max, allowed, element, members, value);
    }
}
