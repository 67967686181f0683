package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice orgs|projects|keys|users} against a real gateway in this JVM: the commands run through picocli with
 * captured output, talk HTTP to the admin port, and what they change is checked on the public port.
 */
class AdminCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DEMO_KEY = "sk-proj-cliDemoKey0123456789abcdefghijklmnopqrstuvw";

    @TempDir
    static Path dir;
    static TestGateway started;
    static Gateway gw;
    static final HttpClient http = HttpClient.newHttpClient();

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        started = TestGateway.builder(dir).demoKey(DEMO_KEY).start();
        gw = started.gateway;
    }

    @AfterAll
    static void stop() {
        started.close();
    }

    /** Runs {@code sluice <args>} against the gateway's admin port with its token, capturing both streams. */
    static Run sluice(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.size() > 1 && !all.contains("--help")) {
            all.addAll(List.of("--admin-url", "http://127.0.0.1:" + gw.adminPort(), "--admin-token", gw.adminToken()));
        }
        return raw(all.toArray(String[]::new));
    }

    static Run raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static int chat(String key) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/chat/completions"))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}")).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static String org() {
        return gw.demo().orElseThrow().orgId();
    }

    @Test
    void orgsListPrintsATableAndJsonOnRequest() throws Exception {
        Run table = sluice("orgs", "list");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("NAME").contains("CREATED");
        assertThat(table.out()).contains(org()).contains("Demo Org");

        Run json = sluice("orgs", "list", "--json");
        JsonNode list = JSON.readTree(json.out());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id")).contains(org());
    }

    @Test
    void aKeyCreatedFromTheCliWorksIsListedRedactedAndStopsWhenRevoked() throws Exception {
        Run project = sluice("projects", "create", "CLI project", "--org", org(), "--json");
        assertThat(project.exit()).as(project.err()).isZero();
        String projectId = JSON.readTree(project.out()).get("id").asText();
        assertThat(sluice("projects", "list", "--org", org()).out()).contains(projectId).contains("CLI project");

        Run created = sluice("keys", "create", "--project", projectId, "--name", "from-cli", "--scope", "model.request");
        assertThat(created.exit()).as(created.err()).isZero();
        String secret = created.out().lines().filter(l -> l.startsWith("Secret (shown once"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElseThrow();
        assertThat(secret).startsWith("sk-proj-");
        assertThat(chat(secret)).isEqualTo(200);

        Run listed = sluice("keys", "list", "--project", projectId);
        assertThat(listed.out()).contains("from-cli").contains("model.request").contains("active")
                .contains(secret.substring(0, 13)).doesNotContain(secret);
        String keyId = listed.out().lines().filter(l -> l.contains("from-cli")).findFirst().orElseThrow().split("\\s+")[0];

        Run revoked = sluice("keys", "revoke", "--project", projectId, keyId);
        assertThat(revoked.exit()).isZero();
        assertThat(revoked.out()).contains("Revoked " + keyId);
        assertThat(chat(secret)).isEqualTo(401);
        assertThat(sluice("keys", "list", "--project", projectId).out()).doesNotContain(keyId);
        assertThat(sluice("keys", "list", "--project", projectId, "--include-revoked").out()).contains(keyId)
                .contains("revoked");
    }

    @Test
    void membersAreAddedGivenRolesAndRemoved() throws Exception {
        Run added = sluice("users", "add", "cli@sluice.test", "--name", "Cli User", "--role", "owner", "--org", org(),
                "--json");
        assertThat(added.exit()).as(added.err()).isZero();
        String userId = JSON.readTree(added.out()).get("id").asText();
        assertThat(sluice("users", "list", "--org", org()).out()).contains("cli@sluice.test").contains("owner");
        assertThat(sluice("users", "set-role", userId, "reader", "--org", org()).out()).contains("reader");
        assertThat(sluice("users", "remove", userId, "--org", org()).out()).contains("Removed " + userId);
        assertThat(sluice("users", "list", "--org", org()).out()).doesNotContain("cli@sluice.test");
    }

    @Test
    void anAdminErrorPrintsMessageCodeAndRequestIdAndExitsNonZero() {
        Run r = sluice("projects", "get", "proj_doesNotExist");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("Error: No project found with id 'proj_doesNotExist'.")
                .contains("status: 404, code: not_found, param: project_id").containsPattern("request id: req_[0-9a-f]{32}");

        Run bad = sluice("keys", "create", "--project", gw.demo().orElseThrow().projectId(), "--name", "x",
                "--scope", "everything");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("code: invalid_value, param: scopes[0]");
    }

    @Test
    void theTokenIsReadFromTheDataDirWhenNotGiven() {
        Run r = raw("orgs", "list", "--admin-url", "http://127.0.0.1:" + gw.adminPort(), "--data-dir",
                dir.resolve("data").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains(org());

        Run none = raw("orgs", "list", "--admin-url", "http://127.0.0.1:" + gw.adminPort(), "--data-dir",
                dir.resolve("nowhere").toString());
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no admin token").contains("--admin-token").contains("SLUICE_ADMIN_TOKEN");
    }

    @Test
    void aWrongTokenOrAnUnreachableGatewayIsAClearError() {
        Run wrong = raw("orgs", "list", "--admin-url", "http://127.0.0.1:" + gw.adminPort(), "--admin-token",
                "sk-admin-wrongwrongwrong");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("code: invalid_api_key").doesNotContain("sk-admin-wrongwrongwrong");

        Run down = raw("orgs", "list", "--admin-url", "http://127.0.0.1:1", "--admin-token", "x");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err()).contains("cannot reach the admin API at http://127.0.0.1:1");
    }

    @Test
    void aGroupWithoutASubcommandShowsItsUsage() {
        Run r = raw("keys");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Missing subcommand").contains("create").contains("revoke");
    }
}
