package dev.sluice.gateway.upstream;

import java.util.Map;

/** The provider adapters by their {@code provider:} name in config. */
public final class ProviderAdapters {
    private static final Map<String, ProviderAdapter> BY_NAME = Map.of(
            "openai", new OpenAiAdapter(),
            "detail", new DetailAdapter(),
            "sim", new SimAdapter());

    private ProviderAdapters() {}

    public static ProviderAdapter of(String provider) {
        ProviderAdapter a = BY_NAME.get(provider);
        if (a == null) throw new IllegalArgumentException("unknown provider '" + provider + "'");
        return a;
    }
}
