package dev.sluice.gateway.config;

import dev.sluice.gateway.config.choice.Provider;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The start-up checks of one deployment's provider settings: a known provider with an adapter, a base URL where the
 * provider has no public default, readable credential files, and the keys a provider needs ({@code region},
 * {@code api_version}, {@code auth}). A problem stops start-up naming the key; a secret is never part of the message.
 */
final class ProviderConfig {
    /** Azure's {@code auth}: {@code api-key} header, or an Entra ID token sent as bearer. */
    static final Set<String> AZURE_AUTH = Set.of("api-key", "entra");

    private ProviderConfig() {}

    static void validate(SluiceConfig.ModelDeployment dep, String dk, boolean simulatorEnabled) {
        Provider p = Provider.parse(dep.provider()).orElse(null);
        require(p != null, dk + ".provider", "must be one of " + Arrays.stream(Provider.values())
                .map(Provider::configName).toList()
                + (dep.provider() == null ? "" : ", not '" + dep.provider() + "'"));
        if (dep.baseUrl() != null) {
            require(dep.baseUrl().startsWith("http://") || dep.baseUrl().startsWith("https://"),
                    dk + ".base_url", "must start with http:// or https://");
        } else if (p == Provider.SIM) {
            require(simulatorEnabled, dk + ".base_url", "is required when the embedded simulator is disabled");
        } else {
            require(p.defaultBaseUrl(dep.region()).isPresent(), dk + ".base_url",
                    p == Provider.BEDROCK ? "is required (or set region)" : "is required");
        }
        if (dep.apiKeyFile() != null) {
            Path f = Path.of(dep.apiKeyFile());
            require(Files.isRegularFile(f) && Files.isReadable(f), dk + ".api_key_file",
                    "names a file that does not exist or cannot be read");
        }
        require(dep.apiKeyEnv() == null || !dep.apiKeyEnv().isBlank(), dk + ".api_key_env", "must not be blank");
        switch (p) {
            case AZURE -> {
                require(dep.model() != null && !dep.model().isBlank(), dk + ".model",
                        "is required for azure: the Azure deployment name");
                require(dep.apiVersion() == null || dep.apiVersion().matches("\\d{4}-\\d{2}-\\d{2}(-preview)?"),
                        dk + ".api_version", "must look like 2024-10-21 or 2025-01-01-preview");
                require(dep.auth() == null || AZURE_AUTH.contains(dep.auth()), dk + ".auth",
                        "must be one of " + AZURE_AUTH.stream().sorted().toList());
            }
            case ANTHROPIC -> {
                require(dep.apiVersion() == null || dep.apiVersion().matches("\\d{4}-\\d{2}-\\d{2}"),
                        dk + ".api_version", "must be an anthropic-version date such as 2023-06-01");
                require(dep.auth() == null, dk + ".auth", "is not used by provider anthropic");
            }
            case GEMINI -> {
                require(dep.apiVersion() == null || dep.apiVersion().matches("v\\d+(alpha|beta)?"),
                        dk + ".api_version", "must be a Gemini API version such as v1beta or v1");
                require(dep.auth() == null, dk + ".auth", "is not used by provider gemini");
            }
            case BEDROCK -> {
                require(dep.region() == null || dep.region().matches("[a-z]{2}(-[a-z]+)+-\\d+"), dk + ".region",
                        "must be an AWS region such as us-east-1");
                require(dep.apiKeyEnv() == null || dep.apiKeyEnv().matches("[A-Za-z_][A-Za-z0-9_]*"),
                        dk + ".api_key_env", "is the prefix of the AWS key variables (PREFIX_ACCESS_KEY_ID, "
                                + "PREFIX_SECRET_ACCESS_KEY), e.g. AWS");
                require(dep.auth() == null || dep.auth().equals("api-key"), dk + ".auth",
                        "must be api-key (a Bedrock API key sent as bearer) or absent (SigV4)");
            }
            default -> require(dep.auth() == null, dk + ".auth", "is not used by provider " + p.configName());
        }
    }

    private static void require(boolean ok, String key, String why) {
        if (!ok) throw new ConfigException("Invalid config: key '" + key + "' " + why);
    }
}
