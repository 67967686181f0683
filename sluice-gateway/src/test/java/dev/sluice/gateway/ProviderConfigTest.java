package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.upstream.Credentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Per-deployment provider settings: what each provider needs, and refusals that name the key but never a secret. */
class ProviderConfigTest {
    private static final String MODEL = "models:\n  - {id: m, family: m, modality: chat, context_window: 100,"
            + " max_output_tokens: 10, tokenizer: cl100k_base, price: {input_per_1m: 1, output_per_1m: 1},"
            + " deployments: [%s]}\n";

    @TempDir
    Path dir;

    SluiceConfig load(String deployments) throws Exception {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, MODEL.formatted(deployments));
        return ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of());
    }

    void refused(String deployments, String key, String why) {
        assertThatThrownBy(() -> load(deployments)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + key + "'").hasMessageContaining(why);
    }

    @Test
    void anUnknownProviderIsRefusedListingTheKnownOnes() {
        refused("{name: a, provider: cohere, base_url: 'http://h'}", "models[0].deployments[0].provider",
                "not 'cohere'");
        refused("{name: a, provider: cohere, base_url: 'http://h'}", "models[0].deployments[0].provider", "openai");
    }

    @Test
    void providersWithoutAPublicEndpointNeedABaseUrl() {
        refused("{name: a, provider: openai}", "models[0].deployments[0].base_url", "is required");
        refused("{name: a, provider: azure, model: gpt4o}", "models[0].deployments[0].base_url", "is required");
        refused("{name: a, provider: openai, base_url: 'ftp://h'}", "models[0].deployments[0].base_url", "http://");
    }

    @Test
    void providerSpecificKeysAreChecked() {
        refused("{name: a, provider: azure, base_url: 'https://r.openai.azure.com', model: d, auth: token}",
                "models[0].deployments[0].auth", "api-key");
        refused("{name: a, provider: azure, base_url: 'https://r.openai.azure.com', model: d, api_version: latest}",
                "models[0].deployments[0].api_version", "2024-10-21");
        refused("{name: a, provider: anthropic, api_version: v1}", "models[0].deployments[0].api_version",
                "2023-06-01");
        refused("{name: a, provider: anthropic, auth: entra}", "models[0].deployments[0].auth", "not used");
    }

    @Test
    void fallbacksNameKnownModelsOfTheSameModality() {
        String two = "models:\n"
                + "  - {id: m, family: m, modality: chat, context_window: 100, max_output_tokens: 10, tokenizer: cl100k_base,"
                + " price: {input_per_1m: 1, output_per_1m: 1}, deployments: [{name: a, provider: sim}], %s}\n"
                + "  - {id: e, family: e, modality: embeddings, context_window: 50, max_output_tokens: 0, tokenizer:"
                + " cl100k_base, price: {input_per_1m: 1, output_per_1m: 0}, deployments: [{name: a, provider: sim}]}\n";
        for (String[] c : new String[][] {{"fallbacks: [nope]", "models[0].fallbacks[0]", "unknown model"},
                {"fallbacks: [m]", "models[0].fallbacks[0]", "another model"},
                {"fallbacks: [e]", "models[0].fallbacks[0]", "embeddings"},
                {"context_window_fallbacks: [e]", "models[0].context_window_fallbacks[0]", "embeddings"}}) {
            assertThatThrownBy(() -> {
                Path f = dir.resolve("f.yaml");
                Files.writeString(f, two.formatted(c[0]));
                ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of());
            }).isInstanceOf(ConfigException.class).hasMessageContaining("'" + c[1] + "'").hasMessageContaining(c[2]);
        }
    }

    @Test
    void aMissingCredentialFileStopsStartUpNamingTheKey() {
        refused("{name: a, provider: openai, base_url: 'http://h/v1', api_key_file: '" + dir.resolve("nope") + "'}",
                "models[0].deployments[0].api_key_file", "cannot be read");
    }

    @Test
    void aCredentialComesFromItsVariableElseFromItsFileAndNeverFromTheConfig() throws Exception {
        Path key = dir.resolve("key.txt");
        Files.writeString(key, "sk-from-file-123456\n");
        SluiceConfig c = load("{name: a, provider: openai, base_url: 'http://h/v1', api_key_env: OA,"
                + " api_key_file: '" + key + "'}");
        Deployment d = Gateway.catalog(c).find("m").orElseThrow().deployments().getFirst();
        assertThat(Credentials.secret(d, Map.of())).isEqualTo("sk-from-file-123456");
        assertThat(Credentials.secret(d, Map.of("OA", "sk-from-env"))).isEqualTo("sk-from-env");
        assertThat(d.toString()).doesNotContain("sk-from");
    }
}
