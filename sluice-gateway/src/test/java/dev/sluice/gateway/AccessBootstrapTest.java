package dev.sluice.gateway;

import dev.sluice.gateway.bootstrap.AccessBootstrap;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code access:} section of sluice.yaml: applied at start, idempotent, strict about what it accepts. */
class AccessBootstrapTest {
    static final String SECRET = "sk-proj-bootBOOTboot0123456789abcdefghijklmnopqrst";
    static final String OTHER_SECRET = "sk-proj-rotatedROTATED0123456789abcdefghijklmno";
    static final String YAML = """
            access:
              unsupported_countries: [KP, IR]
              users:
                - {email: ada@boot.test, name: Ada}
              organizations:
                - name: Boot Org
                  members: [{email: ada@boot.test, role: owner}]
                  ip_allowlist: [10.0.0.0/8, "2001:db8::/32"]
                  visible_models: [sim-mini, sim-embed]
                  projects:
                    - name: Boot Project
                      allowed_models: [sim-mini]
                      service_accounts: [ci]
                      keys:
                        - {name: app, secret_env: BOOT_KEY, owner: ada@boot.test, scopes: [model.request]}
            """;

    @TempDir
    Path dir;

    /** Every row of the access tables (not the settings, whose lock row is touched by every start). */
    static Map<String, List<String>> snapshot(Database db) throws Exception {
        Map<String, List<String>> out = new TreeMap<>();
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            for (String t : List.of("organizations", "users", "memberships", "projects", "service_accounts",
                    "api_keys", "ip_allowlist", "region_policy", "model_access", "audit_log")) {
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT * FROM " + t)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= md.getColumnCount(); i++) row.append(rs.getObject(i)).append('|');
                        rows.add(row.toString());
                    }
                }
                rows.sort(null);
                out.put(t, rows);
            }
        }
        return out;
    }

    @Test
    void startingTwiceWithTheSameFileChangesNothing() throws Exception {
        Map<String, List<String>> first;
        try (TestGateway gw = TestGateway.builder(dir).config(YAML).env(Map.of("BOOT_KEY", SECRET)).start()) {
            first = snapshot(gw.gateway.database());
            assertThat(first.get("organizations")).anySatisfy(r -> assertThat(r).contains("Boot Org"));
            assertThat(first.get("ip_allowlist")).hasSize(2);
            assertThat(first.get("region_policy")).hasSize(2);
            assertThat(first.get("model_access")).hasSize(3);
            assertThat(first.get("service_accounts")).anySatisfy(r -> assertThat(r).contains("|ci|"));
            assertThat(first.get("audit_log")).anySatisfy(r -> assertThat(r).contains("|config|"));
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer " + SECRET,
                    "x-forwarded-for", "10.0.0.1").statusCode()).as("not a trusted proxy: 127.0.0.1 is not allowed")
                    .isEqualTo(401);
        }
        try (TestGateway gw = TestGateway.builder(dir).config(YAML).env(Map.of("BOOT_KEY", SECRET)).start()) {
            assertThat(snapshot(gw.gateway.database())).isEqualTo(first);
            SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(dir.resolve("sluice-test.yaml"), null, null, null),
                    Map.of("BOOT_KEY", SECRET));
            assertThat(AccessBootstrap.apply(new AccessStore(gw.gateway.database(), Clock.systemUTC()), cfg.access(),
                    Map.of("BOOT_KEY", SECRET))).isZero();
            assertThat(snapshot(gw.gateway.database())).isEqualTo(first);
        }
    }

    @Test
    void aDeclaredKeyWorksWithItsScopesAndTheProjectsModelPolicy() {
        String yaml = YAML.replace("ip_allowlist: [10.0.0.0/8, \"2001:db8::/32\"]", "ip_allowlist: [127.0.0.1/32]");
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).env(Map.of("BOOT_KEY", SECRET)).start()) {
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer " + SECRET)
                    .statusCode()).isEqualTo(200);
            assertError(gw.post("/v1/embeddings", "{\"model\":\"sim-embed\",\"input\":\"x\"}", "authorization",
                    "Bearer " + SECRET), 403, "permission_error", "model_not_allowed", "model", false);
            assertError(gw.post("/v1/chat/completions", chat("sim-large", null), "authorization", "Bearer " + SECRET),
                    404, "invalid_request_error", "model_not_found", "model", false);
            assertError(gw.request("GET", "/v1/models", "authorization", "Bearer " + SECRET), 401,
                    "invalid_request_error", "insufficient_permissions", null, false);
        }
    }

    @Test
    void aListGivenInTheFileReplacesTheStoredOneAndAListLeftOutIsKept() throws Exception {
        try (TestGateway gw = TestGateway.builder(dir).config(YAML).env(Map.of("BOOT_KEY", SECRET)).start()) {
            assertThat(snapshot(gw.gateway.database()).get("ip_allowlist")).hasSize(2);
        }
        String changed = YAML.replace("ip_allowlist: [10.0.0.0/8, \"2001:db8::/32\"]", "ip_allowlist: [10.0.0.0/8]")
                .replace("  unsupported_countries: [KP, IR]\n", "");
        try (TestGateway gw = TestGateway.builder(dir).config(changed).env(Map.of("BOOT_KEY", SECRET)).start()) {
            Map<String, List<String>> now = snapshot(gw.gateway.database());
            assertThat(now.get("ip_allowlist")).singleElement().satisfies(r -> assertThat(r).contains("10.0.0.0/8"));
            assertThat(now.get("region_policy")).hasSize(2);
        }
    }

    @Test
    void aNewSecretForADeclaredKeyRotatesIt() {
        String yaml = YAML.replace("ip_allowlist: [10.0.0.0/8, \"2001:db8::/32\"]", "ip_allowlist: []");
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).env(Map.of("BOOT_KEY", SECRET)).start()) {
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer " + SECRET)
                    .statusCode()).isEqualTo(200);
        }
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).env(Map.of("BOOT_KEY", OTHER_SECRET)).start()) {
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer " + OTHER_SECRET)
                    .statusCode()).isEqualTo(200);
            var e = assertError(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization",
                    "Bearer " + SECRET), 401, "invalid_request_error", "invalid_api_key", null, false);
            assertThat(e.get("message").asText()).contains("was revoked at");
        }
    }

    @Test
    void twoOrganizationsOfADeclaredNameStopStartUpNamingTheKey() {
        try (Database db = Database.open(StorageSettings.sqlite(dir.resolve("data")))) {
            AccessStore store = new AccessStore(db, Clock.systemUTC());
            store.organizations().create("Boot Org");
            store.organizations().create("Boot Org");
        }
        assertThatThrownBy(() -> TestGateway.builder(dir).config(YAML).env(Map.of("BOOT_KEY", SECRET)).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("access.organizations[0].name").hasMessageContaining("2 organizations");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a bad CIDR | ip_allowlist: [10.0.0.0/8, \"2001:db8::/32\"] | ip_allowlist: [10.0.0.0/8, 10.0.0.1/40] | access.organizations[0].ip_allowlist[1]",
            "a bad country | unsupported_countries: [KP, IR] | unsupported_countries: [KP, Iran] | access.unsupported_countries[1]",
            "an unknown model | allowed_models: [sim-mini] | allowed_models: [gpt-7] | access.organizations[0].projects[0].allowed_models[0]",
            "an unknown scope | scopes: [model.request] | scopes: [model.everything] | access.organizations[0].projects[0].keys[0].scopes[0]",
            "an owner who is not a member | owner: ada@boot.test | owner: bob@boot.test | access.organizations[0].projects[0].keys[0].owner",
            "an unset secret variable | secret_env: BOOT_KEY | secret_env: NOT_SET_ANYWHERE | access.organizations[0].projects[0].keys[0].secret_env",
            "an undeclared member | members: [{email: ada@boot.test, role: owner}] | members: [{email: eve@boot.test}] | access.organizations[0].members[0].email",
            "a bad role | role: owner}] | role: admin}] | access.organizations[0].members[0].role",
            "a typo in a key | service_accounts: [ci] | service_acounts: [ci] | access.organizations[0].projects[0].service_acounts",
            "an unknown service account | owner: ada@boot.test | service_account: robot | access.organizations[0].projects[0].keys[0].service_account",
            "a bad expiry | scopes: [model.request]} | scopes: [model.request], expires_at: tomorrow} | access.organizations[0].projects[0].keys[0].expires_at",
    })
    void invalidAccessConfigStopsStartUpNamingTheKey(String what, String from, String to, String key) throws IOException {
        assertThat(YAML).contains(from);
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, YAML.replace(from, to));
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null),
                Map.of("BOOT_KEY", SECRET)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'" + key + "'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a bad trusted proxy | trusted_proxies: [10.0.0.0/8, example.com] | trusted_proxies[1]",
            "a bad country header | region: {country_header: 'x country'} | region.country_header",
            "a missing country table | region: {country_table: /nonexistent/countries.csv} | region.country_table",
    })
    void invalidNetworkSettingsStopStartUpNamingTheKey(String what, String yaml, String key) throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, yaml + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'" + key + "'");
    }

    @Test
    void aMalformedCountryTableLineIsNamed() throws IOException {
        Path table = dir.resolve("t.csv");
        Files.writeString(table, "10.0.0.0/8,NZ\n10.1.0.0/16;AU\n");
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "region: {country_table: " + table + "}\n");
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'region.country_table'")
                .hasMessageContaining("line 2");
    }

    @Test
    void theCommentedAccessExampleInTheSampleConfigIsValid() throws IOException {
        List<String> example = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("..", "sluice.yaml"))) {
            if (line.equals("# access:")) in = true;
            else if (in && !line.startsWith("#")) break;
            if (in) example.add(line.substring(Math.min(2, line.length())));
        }
        assertThat(example).hasSizeGreaterThan(10);
        Path file = dir.resolve("example.yaml");
        Files.writeString(file, String.join("\n", example) + "\n");
        SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null),
                Map.of("ACME_BACKEND_KEY", SECRET));
        assertThat(cfg.access().organizations().getFirst().projects().getFirst().keys()).hasSize(1);
    }

    @Test
    void aSecretSharedByTwoDeclaredKeysIsRefused() throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, YAML.replace("keys:\n", "keys:\n            - {name: twin, secret_env: TWIN_KEY}\n"));
        Map<String, String> env = new HashMap<>(Map.of("BOOT_KEY", SECRET, "TWIN_KEY", SECRET));
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(file, null, null, null), env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'access.organizations[0].projects[0].keys[1].secret_env'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }
}
