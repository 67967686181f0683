package dev.sluice.gateway.models;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The models this gateway serves, by id; immutable once built from config. */
public final class ModelCatalog {
    private final Map<String, ModelSpec> byId;

    public ModelCatalog(Collection<ModelSpec> models) {
        Map<String, ModelSpec> m = new LinkedHashMap<>();
        for (ModelSpec s : models) m.put(s.id(), s);
        this.byId = Map.copyOf(m);
        this.ordered = java.util.List.copyOf(m.values());
    }

    private final java.util.List<ModelSpec> ordered;

    public Optional<ModelSpec> find(String id) {
        return Optional.ofNullable(id == null ? null : byId.get(id));
    }

    public java.util.List<ModelSpec> all() {
        return ordered;
    }
}
