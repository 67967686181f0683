package dev.sluice.gateway.upstream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One {@code T} per deployment of each model, made on first use from its name {@code model/deployment}. Held by
 * model, then deployment name: a request finds its own with two lock-free lookups and builds no name.
 */
final class ByDeployment<T> {
    private final Map<String, Map<String, T>> byModel = new ConcurrentHashMap<>();
    private final Function<String, T> make;

    /** @param make makes the {@code T} of one deployment, given its name {@code model/deployment} */
    ByDeployment(Function<String, T> make) {
        this.make = make;
    }

    T of(String modelId, String deployment) {
        Map<String, T> ofModel = byModel.get(modelId);
        if (ofModel == null) ofModel = byModel.computeIfAbsent(modelId, m -> new ConcurrentHashMap<>());
        T t = ofModel.get(deployment);
        if (t != null) return t;
        return ofModel.computeIfAbsent(deployment, d -> make.apply(modelId + "/" + d));
    }

    /** Each one with its name {@code model/deployment}. */
    void forEach(BiConsumer<String, T> action) {
        byModel.forEach((model, ofModel) -> ofModel.forEach((d, t) -> action.accept(model + "/" + d, t)));
    }

    /** Forgets those whose name {@code model/deployment} {@code keep} refuses. */
    void retainOnly(Predicate<String> keep) {
        byModel.forEach((model, ofModel) -> ofModel.keySet().removeIf(d -> !keep.test(model + "/" + d)));
    }
}
