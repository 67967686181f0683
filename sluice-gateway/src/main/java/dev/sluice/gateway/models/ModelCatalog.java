package dev.sluice.gateway.models;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The models this gateway serves, by id; immutable once built from config. A reloadable gateway hands its stages
 * {@link #following} views: each call reads the catalogue in force at that moment, so a stage that reads once per
 * request (model resolution keeps the {@link ModelSpec} it found) sees one consistent catalogue per request.
 */
public class ModelCatalog {
    private final Map<String, ModelSpec> byId;
    private final List<ModelSpec> ordered;

    public ModelCatalog(Collection<ModelSpec> models) {
        Map<String, ModelSpec> m = new LinkedHashMap<>();
        for (ModelSpec s : models) m.put(s.id(), s);
        this.byId = Map.copyOf(m);
        this.ordered = List.copyOf(m.values());
    }

    public Optional<ModelSpec> find(String id) {
        return Optional.ofNullable(id == null ? null : byId.get(id));
    }

    public List<ModelSpec> all() {
        return ordered;
    }

    /** A view whose every call answers from the catalogue {@code current} supplies then (hot reload). */
    public static ModelCatalog following(Supplier<ModelCatalog> current) {
        return new Following(current);
    }

    private static final class Following extends ModelCatalog {
        private final Supplier<ModelCatalog> current;

        Following(Supplier<ModelCatalog> current) {
            super(List.of());
            this.current = current;
        }

        @Override
        public Optional<ModelSpec> find(String id) {
            return current.get().find(id);
        }

        @Override
        public List<ModelSpec> all() {
            return current.get().all();
        }
    }
}
