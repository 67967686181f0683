package dev.sluice.gateway.upstream.providers;

import dev.sluice.gateway.config.choice.Provider;
import dev.sluice.gateway.upstream.DetailAdapter;
import dev.sluice.gateway.upstream.OpenAiAdapter;
import dev.sluice.gateway.upstream.ProviderAdapter;
import dev.sluice.gateway.upstream.SimAdapter;
import dev.sluice.gateway.upstream.anthropic.AnthropicAdapter;
import dev.sluice.gateway.upstream.azure.AzureAdapter;
import dev.sluice.gateway.upstream.bedrock.BedrockAdapter;
import dev.sluice.gateway.upstream.gemini.GeminiAdapter;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The provider adapters, one per {@link Provider}: a provider without an adapter here fails at class load. It sits
 * above {@code upstream} and the provider packages (which build on {@code upstream}'s shared types), so
 * {@code upstream} never depends on a provider package: the assembly hands {@link #of} to {@code UpstreamCall}.
 */
public final class ProviderAdapters {
    private static final Map<Provider, ProviderAdapter> BY_PROVIDER = new EnumMap<>(Provider.class);
    /** By config name as written in config ({@code sim}): each attempt looks its adapter up without parsing. */
    private static final Map<String, ProviderAdapter> BY_NAME = new java.util.HashMap<>();

    static {
        register(new OpenAiAdapter());
        register(new DetailAdapter());
        register(new SimAdapter());
        register(new AnthropicAdapter());
        register(new AzureAdapter());
        register(new GeminiAdapter());
        register(new BedrockAdapter());
        // config accepts every Provider, so every Provider must have its adapter
        for (Provider p : Provider.values()) {
            if (!BY_PROVIDER.containsKey(p)) throw new IllegalStateException("no adapter for provider " + p);
            BY_NAME.put(p.configName(), BY_PROVIDER.get(p));
        }
    }

    private ProviderAdapters() {}

    private static void register(ProviderAdapter a) {
        BY_PROVIDER.put(a.provider(), a);
    }

    /** The adapter of a {@code provider:} config name. */
    public static ProviderAdapter of(String provider) {
        ProviderAdapter exact = provider == null ? null : BY_NAME.get(provider);
        if (exact != null) return exact;
        return Provider.parse(provider).flatMap(ProviderAdapters::find)
                .orElseThrow(() -> new IllegalArgumentException("unknown provider '" + provider + "'"));
    }

    public static Optional<ProviderAdapter> find(Provider provider) {
        return Optional.ofNullable(BY_PROVIDER.get(provider));
    }

    /** True when {@code provider} has an adapter (config may name it). */
    public static boolean available(Provider provider) {
        return BY_PROVIDER.containsKey(provider);
    }
}
