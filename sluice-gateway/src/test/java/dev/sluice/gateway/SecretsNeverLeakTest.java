package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.store.AuditEntry;
import dev.sluice.gateway.store.AuditLog;
import dev.sluice.protocol.KeyMask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key's secret is shown exactly once, in the answer that creates it, and nowhere else: not in a log line (every
 * logger, captured as production would write it), not in an error body, not in an admin listing, not in the
 * audit log or any other table.
 */
class SecretsNeverLeakTest {
    static final String DECLARED = "sk-proj-declaredDECLARED0123456789abcdefghijklmn";

    @TempDir
    Path dir;

    @Test
    void noSecretAppearsInLogsErrorBodiesListingsOrTables() throws Exception {
        List<String> secrets = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        try (CapturedLogs logs = new CapturedLogs();
             TestGateway gw = TestGateway.builder(dir).config("""
                     access:
                       organizations:
                         - name: Leaky
                           projects:
                             - name: P
                               keys: [{name: declared, secret_env: DECLARED_KEY}]
                     """).env(Map.of("DECLARED_KEY", DECLARED)).start()) {
            secrets.add(DECLARED);
            secrets.add(TestGateway.DEMO_KEY);
            secrets.add(gw.gateway.adminToken());
            String project = gw.gateway.demo().orElseThrow().projectId();
            String org = gw.gateway.demo().orElseThrow().orgId();
            String keys = "/v1/organization/projects/" + project + "/api_keys";

            // Create: a user-less key, a restricted one, a service account with its key.
            JsonNode plain = gw.adminOk("POST", keys, "{\"name\":\"plain\"}");
            JsonNode scoped = gw.adminOk("POST", keys, "{\"name\":\"scoped\",\"scopes\":[\"api.read\"]}");
            JsonNode sa = gw.adminOk("POST", "/v1/organization/projects/" + project + "/service_accounts",
                    "{\"name\":\"bot\"}");
            secrets.add(plain.get("value").asText());
            secrets.add(scoped.get("value").asText());
            secrets.add(sa.get("api_key").get("value").asText());

            // Use them.
            for (String s : secrets.subList(3, 6)) {
                bodies.add(gw.request("GET", "/v1/models", "authorization", "Bearer " + s).body());
            }
            bodies.add(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer " + DECLARED).body());

            // Fail with them: wrong scope, wrong headers, revoked, unknown, the admin token on the public port.
            List<HttpResponse<String>> failures = new ArrayList<>();
            failures.add(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization",
                    "Bearer " + scoped.get("value").asText()));
            failures.add(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization",
                    "Bearer " + plain.get("value").asText(), "OpenAI-Project", "proj_other"));
            gw.adminOk("DELETE", keys + "/" + plain.get("id").asText(), null);
            failures.add(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization",
                    "Bearer " + plain.get("value").asText()));
            failures.add(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization",
                    "Bearer " + plain.get("value").asText() + "x"));
            failures.add(gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization",
                    "Bearer " + gw.gateway.adminToken()));
            failures.add(gw.admin("GET", "/v1/organizations", null, "authorization", "Bearer " + DECLARED));
            for (HttpResponse<String> f : failures) {
                assertThat(f.statusCode()).isEqualTo(401);
                bodies.add(f.body());
            }
            assertThat(failures.get(2).body()).contains(KeyMask.mask(plain.get("value").asText()));

            // List them, every way the admin API shows keys.
            bodies.add(gw.adminOk("GET", keys + "?include_revoked=true&limit=100", null).toString());
            bodies.add(gw.adminOk("GET", keys + "/" + scoped.get("id").asText(), null).toString());
            bodies.add(gw.adminOk("GET", "/v1/organization/projects/" + project + "/service_accounts", null).toString());
            bodies.add(gw.adminOk("GET", "/v1/organization/users", null, "openai-organization", org).toString());

            List<String> tables = tableValues(gw);
            List<AuditEntry> audit = new AuditLog(gw.gateway.database(), Clock.systemUTC()).recent(1000);
            assertThat(audit).isNotEmpty();

            // 3 listings, 1 chat, 5 public failures (access lines are written when each answer has ended).
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (logs.accessLines().size() < 9 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(logs.accessLines()).hasSize(9);
            List<String> lines = logs.lines();
            for (String secret : secrets) {
                String middle = secret.substring(12, secret.length() - 4); // what masking hides
                for (String line : lines) assertThat(line).doesNotContain(secret).doesNotContain(middle);
                for (String body : bodies) assertThat(body).doesNotContain(secret).doesNotContain(middle);
                for (String value : tables) assertThat(value).doesNotContain(secret).doesNotContain(middle);
                for (AuditEntry e : audit) assertThat(e.detailJson()).doesNotContain(secret).doesNotContain(middle);
            }
        }
    }

    /** Every value of every row of every application table. */
    private static List<String> tableValues(TestGateway gw) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = gw.gateway.database().dataSource().getConnection()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
                while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
            }
            assertThat(tables).contains("api_keys", "audit_log", "settings");
            for (String t : tables) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + t)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) out.add(String.valueOf(rs.getObject(i)));
                    }
                }
            }
        }
        return out;
    }
}
