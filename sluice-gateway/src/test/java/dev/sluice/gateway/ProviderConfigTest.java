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
