package dev.sluice.gateway.config;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Start-up checks of {@code fallbacks} and {@code context_window_fallbacks}: known models of the same modality. */
final class FallbackConfig {
    private FallbackConfig() {}

    static void validate(List<SluiceConfig.Model> models) {
        Map<String, SluiceConfig.Model> byId = models.stream()
                .collect(Collectors.toMap(SluiceConfig.Model::id, Function.identity(), (a, b) -> a));
        for (int i = 0; i < models.size(); i++) {
            SluiceConfig.Model m = models.get(i);
            check(m, m.fallbacks(), "models[" + i + "].fallbacks", byId, false);
            check(m, m.contextWindowFallbacks(), "models[" + i + "].context_window_fallbacks", byId, true);
        }
    }

    private static void check(SluiceConfig.Model m, List<String> ids, String key, Map<String, SluiceConfig.Model> byId,
                              boolean larger) {
        if (ids == null) return;
        for (int j = 0; j < ids.size(); j++) {
            String id = ids.get(j);
            String k = key + "[" + j + "]";
            SluiceConfig.Model fb = byId.get(id);
            require(fb != null, k, "names unknown model '" + id + "'");
            require(!id.equals(m.id()), k, "must name another model, not '" + id + "' itself");
            require(fb.modality().equals(m.modality()), k, "names a " + fb.modality() + " model for a " + m.modality()
                    + " model");
            require(!larger || fb.contextWindow() > m.contextWindow(), k, "must have a larger context_window than "
                    + m.contextWindow() + " (model '" + id + "' has " + fb.contextWindow() + ")");
        }
    }

    private static void require(boolean ok, String key, String why) {
        if (!ok) throw new ConfigException("Invalid config: key '" + key + "' " + why);
    }
}
