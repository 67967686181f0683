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

/** The start-up checks of gemini and bedrock deployments: each refusal names the key, never a secret. */
class GeminiBedrockConfigTest {
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
    void geminiAndBedrockDeploymentsWithTheirDefaultsLoad() throws Exception {
        SluiceConfig c = load("{name: g, provider: gemini, model: gemini-2.5-flash, api_key_env: GEMINI_API_KEY},"
                + " {name: b, provider: bedrock, region: eu-central-1, model: 'anthropic.claude-v2:1'}");
        assertThat(Gateway.catalog(c).find("m").orElseThrow().deployments()).hasSize(2);
    }

    @Test
    void bedrockNeedsARegionOrABaseUrlAndARealRegionName() {
        refused("{name: b, provider: bedrock, model: x}", "models[0].deployments[0].base_url", "region");
        refused("{name: b, provider: bedrock, model: x, region: Frankfurt}", "models[0].deployments[0].region",
                "AWS region");
        refused("{name: b, provider: bedrock, model: x, region: us-east-1, api_key_env: 'my-keys'}",
                "models[0].deployments[0].api_key_env", "prefix");
    }

    @Test
    void geminiApiVersionAndAuthAreChecked() {
        refused("{name: g, provider: gemini, model: x, api_version: '2024-01-01'}",
                "models[0].deployments[0].api_version", "v1beta");
        refused("{name: g, provider: gemini, model: x, auth: entra}", "models[0].deployments[0].auth",
                "not used by provider gemini");
    }
}
