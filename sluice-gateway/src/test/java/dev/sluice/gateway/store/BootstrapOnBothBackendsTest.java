package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.bootstrap.AccessBootstrap;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The declarative bootstrap against SQLite and PostgreSQL: the second application changes nothing. */
class BootstrapOnBothBackendsTest {

    @TempDir
    Path tmp;

    private final FakeTime clock = FakeTime.at("2026-03-01T10:00:00Z");

    @BothBackends
    void applyingTheAccessSectionTwiceChangesNothing(Backend backend) throws Exception {
        Path file = tmp.resolve("sluice.yaml");
        Files.writeString(file, """
                access:
                  unsupported_countries: [KP]
                  users: [{email: ada@both.test, name: Ada}]
                  organizations:
                    - name: Both
                      members: [{email: ada@both.test, role: owner}]
                      ip_allowlist: [10.0.0.0/8]
                      visible_models: [sim-mini]
                      projects:
                        - name: P
                          allowed_models: [sim-mini]
                          service_accounts: [bot]
                          keys:
                            - {name: k, secret_env: K, owner: ada@both.test, scopes: [model.request]}
                            - {name: s, secret_env: S, service_account: bot}
                """);
        Map<String, String> env = Map.of("K", "sk-proj-bothBOTH0123456789abcdef", "S", "sk-svcacct-both0123456789abcdef");
        SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null), env);
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);
            int first = AccessBootstrap.apply(store, cfg.access(), env);
            List<String> keys = t.allValues("api_keys");
            long audit = t.count("audit_log");
            clock.advance(java.time.Duration.ofMinutes(1));

            int second = AccessBootstrap.apply(store, cfg.access(), env);

            assertThat(first).isGreaterThanOrEqualTo(10);
            assertThat(second).isZero();
            assertThat(t.allValues("api_keys")).isEqualTo(keys);
            assertThat(t.count("audit_log")).isEqualTo(audit);
            assertThat(t.count("organizations")).isEqualTo(1);
            assertThat(t.count("ip_allowlist")).isEqualTo(1);
            assertThat(t.count("model_access")).isEqualTo(2);
            assertThat(store.apiKeys().findBySecret("sk-svcacct-both0123456789abcdef").orElseThrow().key()
                    .isServiceAccountKey()).isTrue();
        }
    }
}
