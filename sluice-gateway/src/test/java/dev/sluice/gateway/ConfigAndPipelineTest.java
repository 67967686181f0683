package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Pipeline;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigAndPipelineTest {
    @TempDir
    Path dir;

    record Named(StageOrder order) implements Stage {
        @Override
        public Future<Answer> apply(Exchange ex, Chain next) {
            return next.proceed(ex);
        }
    }

    @Test
    void aPipelineOutOfOrderDoesNotStart() {
        assertThatThrownBy(() -> new Pipeline(List.of(new Named(StageOrder.RATE_LIMITS),
                new Named(StageOrder.API_KEY_AUTHENTICATION), new Named(StageOrder.TERMINAL))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("may not follow");
    }

    @Test
    void aPipelineWithoutATerminalStageDoesNotStart() {
        assertThatThrownBy(() -> new Pipeline(List.of(new Named(StageOrder.API_KEY_AUTHENTICATION))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TERMINAL");
    }

    @Test
    void theShippedPipelinesAreInOrder() {
        SluiceConfig cfg = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
        assertThat(Pipelines.build(new Pipelines.Parts(s -> null, dev.sluice.gateway.stages.PolicyResolver.open(),
                dev.sluice.gateway.access.CountryLookup.none(), java.time.Clock.systemUTC(), Gateway.catalog(cfg),
                new dev.sluice.gateway.models.TokenCounter(), new Named(StageOrder.IDEMPOTENCY),
                dev.sluice.gateway.traffic.TrafficStages.passThrough(), new Named(StageOrder.REQUEST_BODY),
                r -> {}, new dev.sluice.gateway.batch.LiveTraffic(), new Named(StageOrder.TERMINAL),
                new Named(StageOrder.TERMINAL), new Named(StageOrder.TERMINAL))))
                .hasSize(dev.sluice.gateway.pipeline.Endpoint.values().length);
    }

    @Test
    void defaultsAreTheEmbeddedSetup() {
        SluiceConfig cfg = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
        assertThat(cfg.port()).isEqualTo(8080);
        assertThat(cfg.adminPort()).isEqualTo(8081);
        assertThat(cfg.dataDir()).isEqualTo("./data");
        assertThat(cfg.storage().kind().configName()).isEqualTo("sqlite");
        assertThat(cfg.simulator().enabled()).isTrue();
        assertThat(cfg.models()).extracting(SluiceConfig.Model::id)
                .containsExactly("sim-mini", "sim-large", "sim-embed", "sim-image");
    }

    @Test
    void environmentOverridesFileAndFlagsOverrideEnvironment() throws Exception {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, "port: 9000\nsimulator:\n  faults: true\n");
        SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null),
                Map.of("SLUICE_PORT", "9100", "SLUICE_SIMULATOR_FAULTS", "false", "SLUICE_ADMIN_TOKEN", "tok"));
        assertThat(cfg.port()).isEqualTo(9100);
        assertThat(cfg.simulator().faults()).isFalse();
        assertThat(cfg.secrets().adminToken()).isEqualTo("tok");
        assertThat(cfg.secrets().toString()).doesNotContain("tok");
        SluiceConfig flagged = ConfigLoader.load(new ConfigLoader.Flags(f, 9200, 9201, "/tmp/x"),
                Map.of("SLUICE_PORT", "9100", "SLUICE_CONFIG", "/nope.yaml"));
        assertThat(flagged.port()).isEqualTo(9200);
        assertThat(flagged.adminPort()).isEqualTo(9201);
        assertThat(flagged.dataDir()).isEqualTo("/tmp/x");
    }

    @Test
    void configFileFromSluiceConfigVariable() throws Exception {
        Path f = dir.resolve("env.yaml");
        Files.writeString(f, "admin_port: 9555\n");
        assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("SLUICE_CONFIG", f.toString())).adminPort())
                .isEqualTo(9555);
    }

    @Test
    void anUnknownKeyIsNamed() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "simulator:\n  fault: true\n");
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'simulator.fault'");
    }

    @Test
    void aBadValueIsNamed() throws Exception {
        Path f = dir.resolve("bad2.yaml");
        Files.writeString(f, "port: eighty\n");
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'port'");
        assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("SLUICE_PORT", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'port'");
        assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("SLUICE_STORAGE_KIND", "mongo")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'storage.kind'");
    }

    @Test
    void anUnknownTokenizerIsNamedWithItsModel() throws Exception {
        Path f = dir.resolve("bad3.yaml");
        Files.writeString(f, "models:\n  - {id: m, family: m, modality: chat, context_window: 10, max_output_tokens: 5,"
                + " tokenizer: nope, price: {input_per_1m: 0, output_per_1m: 0}, deployments: [{provider: sim}]}\n");
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(f, null, null, null), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("models[0].tokenizer");
    }

    @Test
    void aMissingConfigFileIsAClearError() {
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(dir.resolve("none.yaml"), null, null, null),
                Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
    }

    @Test
    void theSampleConfigInTheRepoLoads() {
        Path sample = Path.of("..", "sluice.yaml");
        assertThat(sample).exists();
        SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(sample, null, null, null), Map.of());
        assertThat(cfg.models()).isNotEmpty();
    }
}
