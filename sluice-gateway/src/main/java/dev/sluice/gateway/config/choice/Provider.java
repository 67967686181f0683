package dev.sluice.gateway.config.choice;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds of upstream a deployment may name ({@code provider:} in config), with what config each needs. The
 * adapter of each is registered in {@code upstream.providers.ProviderAdapters}, which fails to load if one is missing.
 */
public enum Provider {
    /** The built-in simulator (OpenAI-compatible, honours {@code x-sluice-sim}). */
    SIM("sim", null),
    /** OpenAI and OpenAI-compatible servers; {@code base_url} ends in {@code /v1}. */
    OPENAI("openai", null),
    /** OpenAI-compatible servers with FastAPI-style {@code {"detail": …}} errors. */
    DETAIL("detail", null),
    /** Anthropic Messages API; {@code base_url} is the host root (the Anthropic SDK's base URL). */
    ANTHROPIC("anthropic", "https://api.anthropic.com"),
    /** Azure OpenAI; {@code base_url} is the resource endpoint {@code https://{resource}.openai.azure.com}. */
    AZURE("azure", null),
    /** Google Gemini API; {@code base_url} is the host root. */
    GEMINI("gemini", "https://generativelanguage.googleapis.com"),
    /** AWS Bedrock Converse; {@code base_url} defaults to the runtime endpoint of {@code region}. */
    BEDROCK("bedrock", "https://bedrock-runtime.{region}.amazonaws.com");

    private final String configName;
    private final String defaultBaseUrl;

    Provider(String configName, String defaultBaseUrl) {
        this.configName = configName;
        this.defaultBaseUrl = defaultBaseUrl;
    }

    /** The name used in config ({@code provider: anthropic}). */
    public String configName() {
        return configName;
    }

    /** The provider of a config name, if any. */
    public static Optional<Provider> parse(String name) {
        if (name == null) return Optional.empty();
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.configName.equals(n)).findFirst();
    }

    /**
     * The public endpoint used when a deployment gives no {@code base_url} ({@code {region}} filled in), or empty
     * when the provider has none (then {@code base_url} is required; {@code sim} uses the embedded simulator).
     */
    public Optional<String> defaultBaseUrl(String region) {
        if (defaultBaseUrl == null) return Optional.empty();
        if (defaultBaseUrl.contains("{region}")) {
            return region == null || region.isBlank() ? Optional.empty()
                    : Optional.of(defaultBaseUrl.replace("{region}", region));
        }
        return Optional.of(defaultBaseUrl);
    }
}
