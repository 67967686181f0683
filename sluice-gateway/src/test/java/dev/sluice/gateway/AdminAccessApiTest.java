package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.store.AuditEntry;
import dev.sluice.gateway.store.AuditLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.JSON;
import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The access-administration API on the admin port: OpenAI-shaped objects and pages, the error contract with
 * {@code param} for bad input, changes that take effect at once on the public port, and an audit entry per change.
 */
class AdminAccessApiTest {
    @TempDir
    static Path dir;
    static TestGateway gw;
    static HttpClient fromElsewhere;
    static String org;
    static String project;

    @BeforeAll
    static void start() throws IOException {
        gw = TestGateway.builder(dir).start();
        fromElsewhere = HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0.2")).build();
        org = gw.adminOk("POST", "/v1/organizations", "{\"name\":\"Admin Test Org\"}").get("id").asText();
        project = gw.adminOk("POST", "/v1/organization/projects", "{\"name\":\"Main\"}", "openai-organization", org)
                .get("id").asText();
    }

    @AfterAll
    static void stop() {
        gw.close();
        fromElsewhere.close();
    }

    static String[] inOrg() {
        return new String[] {"openai-organization", org};
    }

    static String newKey() {
        return gw.adminOk("POST", "/v1/organization/projects/" + project + "/api_keys", "{\"name\":\"k\"}")
                .get("value").asText();
    }

    static HttpResponse<String> chatWith(HttpClient client, String key, String model) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                    .header("authorization", "Bearer " + key).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(chat(model, null))).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<AuditEntry> audit(String target) {
        return new AuditLog(gw.gateway.database(), Clock.systemUTC()).forTarget(target, 100);
    }

    @Test
    void organizationsAreCreatedListedInPagesRetrievedAndRenamed() {
        String a = gw.adminOk("POST", "/v1/organizations", "{\"name\":\"Page A\"}").get("id").asText();
        String b = gw.adminOk("POST", "/v1/organizations", "{\"name\":\"Page B\"}").get("id").asText();
        List<String> all = new ArrayList<>();
        String after = null;
        boolean more = true;
        while (more) {
            JsonNode page = gw.adminOk("GET", "/v1/organizations?limit=1" + (after == null ? "" : "&after=" + after), null);
            assertThat(page.get("object").asText()).isEqualTo("list");
            assertThat(page.get("data")).hasSize(1);
            assertThat(page.get("first_id").asText()).isEqualTo(page.get("last_id").asText());
            all.add(page.get("data").get(0).get("id").asText());
            after = page.get("last_id").asText();
            more = page.get("has_more").asBoolean();
        }
        assertThat(all).contains(org, a, b).doesNotHaveDuplicates();

        JsonNode renamed = gw.adminOk("POST", "/v1/organizations/" + a, "{\"name\":\"Page A2\"}");
        assertThat(renamed.get("object").asText()).isEqualTo("organization");
        assertThat(gw.adminOk("GET", "/v1/organizations/" + a, null).get("name").asText()).isEqualTo("Page A2");
        assertThat(audit(a)).extracting(AuditEntry::action).containsExactly("organization.renamed", "organization.created");
        assertThat(audit(a)).extracting(AuditEntry::actor).containsOnly("admin");
    }

    @Test
    void badAdminInputGetsTheErrorContractWithParam() {
        assertError(gw.admin("POST", "/v1/organizations", "{}"), 400, "invalid_request_error", null, "name", false);
        assertError(gw.admin("POST", "/v1/organizations", "{\"name\":42}"), 400, "invalid_request_error",
                "invalid_type", "name", false);
        assertError(gw.admin("POST", "/v1/organizations", "{\"name\":\"x\",\"colour\":\"red\"}"), 400,
                "invalid_request_error", "unknown_parameter", "colour", false);
        assertError(gw.admin("POST", "/v1/organizations", "{not json"), 400, "invalid_request_error", null, null, false);
        assertError(gw.admin("GET", "/v1/organizations/org_nope", null), 404, "invalid_request_error", "not_found",
                "org_id", false);
        assertError(gw.admin("GET", "/v1/organizations?limit=0", null), 400, "invalid_request_error", "invalid_value",
                "limit", false);
        assertError(gw.admin("GET", "/v1/organizations?after=org_nope", null), 400, "invalid_request_error",
                "invalid_value", "after", false);
        assertError(gw.admin("GET", "/v1/organization/projects/proj_nope", null), 404, "invalid_request_error",
                "not_found", "project_id", false);
        // Several organizations exist: the org-level routes need to be told which.
        assertError(gw.admin("GET", "/v1/organization/projects", null), 400, "invalid_request_error", null,
                "OpenAI-Organization", false);
        assertError(gw.admin("GET", "/v1/organization/projects", null, "openai-organization", "org_nope"), 404,
                "invalid_request_error", "not_found", "OpenAI-Organization", false);
        // A project of another organization is not found through this one.
        assertError(gw.admin("GET", "/v1/organization/projects/" + project, null, "openai-organization",
                gw.gateway.demo().orElseThrow().orgId()), 404, "invalid_request_error", "not_found", "project_id", false);
    }

    @Test
    void projectsAreListedRenamedAndArchivingStopsTheirKeysAtOnce() {
        String p = gw.adminOk("POST", "/v1/organization/projects", "{\"name\":\"Doomed\"}", inOrg()).get("id").asText();
        JsonNode shown = gw.adminOk("POST", "/v1/organization/projects/" + p, "{\"name\":\"Doomed 2\"}");
        assertThat(shown.get("object").asText()).isEqualTo("organization.project");
        assertThat(shown.get("status").asText()).isEqualTo("active");
        String secret = gw.adminOk("POST", "/v1/organization/projects/" + p + "/api_keys", "{\"name\":\"k\"}")
                .get("value").asText();
        assertThat(chatWith(gw.http, secret, "sim-mini").statusCode()).isEqualTo(200);

        JsonNode archived = gw.adminOk("POST", "/v1/organization/projects/" + p + "/archive", null);

        assertThat(archived.get("status").asText()).isEqualTo("archived");
        assertThat(archived.get("archived_at").isNumber()).isTrue();
        assertError(chatWith(gw.http, secret, "sim-mini"), 401, "invalid_request_error", "invalid_api_key", null, false);
        JsonNode active = gw.adminOk("GET", "/v1/organization/projects", null, inOrg());
        assertThat(active.get("data").findValuesAsText("id")).doesNotContain(p).contains(project);
        assertThat(gw.adminOk("GET", "/v1/organization/projects?include_archived=true", null, inOrg())
                .get("data").findValuesAsText("id")).contains(p);
        assertError(gw.admin("POST", "/v1/organization/projects/" + p + "/api_keys", "{\"name\":\"late\"}"), 409,
                "invalid_request_error", "conflict", null, false);
        assertThat(audit(p)).extracting(AuditEntry::action).contains("project.created", "project.renamed",
                "project.archived");
    }

    @Test
    void aCreatedKeyShowsItsSecretOnceAndIsListedOnlyRedacted() {
        String ada = gw.adminOk("POST", "/v1/organization/users", "{\"email\":\"ada@admin.test\",\"name\":\"Ada\","
                + "\"role\":\"owner\"}", inOrg()).get("id").asText();
        JsonNode created = gw.adminOk("POST", "/v1/organization/projects/" + project + "/api_keys",
                "{\"name\":\"ci\",\"owner_user_id\":\"" + ada + "\",\"scopes\":[\"model.request\"]}");
        String secret = created.get("value").asText();
        String id = created.get("id").asText();
        assertThat(secret).startsWith("sk-proj-");
        assertThat(created.get("object").asText()).isEqualTo("organization.project.api_key");
        assertThat(created.get("owner").get("type").asText()).isEqualTo("user");
        assertThat(created.get("scopes").get(0).asText()).isEqualTo("model.request");

        JsonNode one = gw.adminOk("GET", "/v1/organization/projects/" + project + "/api_keys/" + id, null);
        JsonNode list = gw.adminOk("GET", "/v1/organization/projects/" + project + "/api_keys?limit=100", null);
        assertThat(one.has("value")).isFalse();
        assertThat(one.get("redacted_value").asText()).isEqualTo(dev.sluice.protocol.KeyMask.mask(secret));
        assertThat(list.toString()).doesNotContain(secret).contains(id);
        assertThat(chatWith(gw.http, secret, "sim-mini").statusCode()).isEqualTo(200);

        JsonNode deleted = gw.adminOk("DELETE", "/v1/organization/projects/" + project + "/api_keys/" + id, null);
        assertThat(deleted.get("object").asText()).isEqualTo("organization.project.api_key.deleted");
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
        assertThat(gw.adminOk("GET", "/v1/organization/projects/" + project + "/api_keys?limit=100", null)
                .get("data").findValuesAsText("id")).doesNotContain(id);
        assertThat(gw.adminOk("GET", "/v1/organization/projects/" + project + "/api_keys?limit=100&include_revoked=true",
                null).get("data").findValuesAsText("id")).contains(id);
        assertThat(audit(id)).extracting(AuditEntry::action).containsExactly("api_key.revoked", "api_key.created");
    }

    @Test
    void badKeyRequestsNameTheParameter() {
        String keys = "/v1/organization/projects/" + project + "/api_keys";
        assertError(gw.admin("POST", keys, "{\"name\":\"k\",\"scopes\":[\"model.request\",\"everything\"]}"), 400,
                "invalid_request_error", "invalid_value", "scopes[1]", false);
        assertError(gw.admin("POST", keys, "{\"name\":\"k\",\"scopes\":\"model.request\"}"), 400,
                "invalid_request_error", "invalid_type", "scopes", false);
        assertError(gw.admin("POST", keys, "{\"name\":\"k\",\"expires_at\":1000}"), 400, "invalid_request_error",
                "invalid_value", "expires_at", false);
        assertError(gw.admin("POST", keys, "{\"name\":\"k\",\"owner_user_id\":\"user_nobody\"}"), 404,
                "invalid_request_error", "not_found", "owner_user_id", false);
        String outsider = gw.adminOk("POST", "/v1/organization/users", "{\"email\":\"out@admin.test\",\"name\":\"Out\"}",
                "openai-organization", gw.gateway.demo().orElseThrow().orgId()).get("id").asText();
        assertError(gw.admin("POST", keys, "{\"name\":\"k\",\"owner_user_id\":\"" + outsider + "\"}"), 400,
                "invalid_request_error", "invalid_value", "owner_user_id", false);
        assertError(gw.admin("GET", keys + "/key_nope", null), 404, "invalid_request_error", "not_found", "key_id", false);
        String demoProject = gw.gateway.demo().orElseThrow().projectId();
        String demoKeyId = gw.gateway.demo().orElseThrow().keyId();
        assertError(gw.admin("DELETE", keys + "/" + demoKeyId, null), 404, "invalid_request_error", "not_found",
                "key_id", false);
        assertThat(gw.request("GET", "/v1/models").statusCode()).as("the demo key of " + demoProject).isEqualTo(200);
    }

    @Test
    void aServiceAccountComesWithItsKeyOnceAndDeletingItStopsTheKey() {
        String base = "/v1/organization/projects/" + project + "/service_accounts";
        JsonNode sa = gw.adminOk("POST", base, "{\"name\":\"deployer\"}");
        assertThat(sa.get("object").asText()).isEqualTo("organization.project.service_account");
        String secret = sa.get("api_key").get("value").asText();
        assertThat(secret).startsWith("sk-svcacct-");
        assertThat(chatWith(gw.http, secret, "sim-mini").statusCode()).isEqualTo(200);
        assertThat(gw.adminOk("GET", base, null).toString()).contains(sa.get("id").asText()).doesNotContain(secret);

        gw.adminOk("DELETE", base + "/" + sa.get("id").asText(), null);

        assertError(chatWith(gw.http, secret, "sim-mini"), 401, "invalid_request_error", "invalid_api_key", null, false);
        assertError(gw.admin("GET", base + "/" + sa.get("id").asText(), null), 404, "invalid_request_error",
                "not_found", "service_account_id", false);
    }

    @Test
    void membersAreAddedOnceGivenRolesAndRemovingOneStopsTheirKeys() {
        JsonNode bob = gw.adminOk("POST", "/v1/organization/users", "{\"email\":\"Bob@Admin.test\",\"name\":\"Bob\"}", inOrg());
        assertThat(bob.get("object").asText()).isEqualTo("organization.user");
        assertThat(bob.get("email").asText()).isEqualTo("bob@admin.test");
        assertThat(bob.get("role").asText()).isEqualTo("reader");
        String id = bob.get("id").asText();
        assertError(gw.admin("POST", "/v1/organization/users", "{\"email\":\"bob@admin.test\"}", inOrg()), 409,
                "invalid_request_error", "conflict", null, false);
        assertError(gw.admin("POST", "/v1/organization/users", "{\"email\":\"new@admin.test\"}", inOrg()), 400,
                "invalid_request_error", null, "name", false);
        assertError(gw.admin("POST", "/v1/organization/users/" + id, "{\"role\":\"king\"}", inOrg()), 400,
                "invalid_request_error", "invalid_value", "role", false);
        assertThat(gw.adminOk("POST", "/v1/organization/users/" + id, "{\"role\":\"owner\"}", inOrg()).get("role")
                .asText()).isEqualTo("owner");
        String secret = gw.adminOk("POST", "/v1/organization/projects/" + project + "/api_keys",
                "{\"name\":\"bob's\",\"owner_user_id\":\"" + id + "\"}").get("value").asText();
        assertThat(chatWith(gw.http, secret, "sim-mini").statusCode()).isEqualTo(200);

        gw.adminOk("DELETE", "/v1/organization/users/" + id, null, inOrg());

        assertError(chatWith(gw.http, secret, "sim-mini"), 401, "invalid_request_error", "no_organization", null, false);
        assertError(gw.admin("GET", "/v1/organization/users/" + id, null, inOrg()), 404, "invalid_request_error",
                "not_found", "user_id", false);
        assertThat(audit(org)).extracting(AuditEntry::action).contains("membership.added", "membership.role_changed",
                "membership.removed");
    }

    @Test
    void ipAllowlistEntriesTakeEffectAtOnceAndAreValidated() {
        String secret = newKey();
        String base = "/v1/organization/projects/" + project + "/ip_allowlist";
        assertError(gw.admin("POST", base, "{\"cidr\":\"10.0.0.300/8\"}"), 400, "invalid_request_error",
                "invalid_value", "cidr", false);
        assertError(gw.admin("POST", base, "{\"cidr\":\"10.0.0.0/33\"}"), 400, "invalid_request_error",
                "invalid_value", "cidr", false);
        JsonNode entry = gw.adminOk("POST", base, "{\"cidr\":\"127.0.0.1/31\"}"); // .0 and .1, not .2
        assertThat(entry.get("cidr").asText()).isEqualTo("127.0.0.0/31");
        assertError(gw.admin("POST", base, "{\"cidr\":\"127.0.0.0/31\"}"), 409, "invalid_request_error", "conflict",
                null, false);

        assertThat(chatWith(gw.http, secret, "sim-mini").statusCode()).isEqualTo(200);
        assertError(chatWith(fromElsewhere, secret, "sim-mini"), 401, "invalid_request_error", "ip_not_authorized",
                null, false);

        gw.adminOk("DELETE", base + "/" + entry.get("id").asText(), null);
        assertThat(chatWith(fromElsewhere, secret, "sim-mini").statusCode()).isEqualTo(200);
        assertError(gw.admin("DELETE", base + "/" + entry.get("id").asText(), null), 404, "invalid_request_error",
                "not_found", "entry_id", false);
    }

    @Test
    void anOrganizationAllowlistAppliesToAllItsProjects() {
        String secret = newKey();
        JsonNode entry = gw.adminOk("POST", "/v1/organization/ip_allowlist", "{\"cidr\":\"2001:db8::/32\"}", inOrg());
        assertThat(entry.get("object").asText()).isEqualTo("organization.ip_allowlist.entry");
        assertThat(gw.adminOk("GET", "/v1/organization/ip_allowlist", null, inOrg()).get("data")).hasSize(1);
        try {
            assertError(chatWith(fromElsewhere, secret, "sim-mini"), 401, "invalid_request_error", "ip_not_authorized",
                    null, false);
        } finally {
            gw.adminOk("DELETE", "/v1/organization/ip_allowlist/" + entry.get("id").asText(), null, inOrg());
        }
        assertThat(chatWith(fromElsewhere, secret, "sim-mini").statusCode()).isEqualTo(200);
    }

    @Test
    void modelAccessAndTheTierTakeEffectAtOnceAndNameUnknownModels() throws IOException {
        String secret = newKey();
        assertError(gw.admin("POST", "/v1/organization/model_access", "{\"allowed_models\":[\"sim-mini\",\"gpt-9\"]}",
                inOrg()), 400, "invalid_request_error", "invalid_value", "allowed_models[1]", false);
        assertError(gw.admin("POST", "/v1/organization/projects/" + project + "/model_access",
                "{\"visible_models\":[\"sim-mini\"]}"), 400, "invalid_request_error", "unknown_parameter",
                "visible_models", false);
        JsonNode set = gw.adminOk("POST", "/v1/organization/model_access",
                "{\"visible_models\":[\"sim-mini\",\"sim-large\"],\"allowed_models\":[\"sim-mini\"]}", inOrg());
        assertThat(set.get("object").asText()).isEqualTo("organization.model_access");
        try {
            assertError(chatWith(gw.http, secret, "sim-large"), 403, "permission_error", "model_not_allowed", "model", false);
            assertError(chatWith(gw.http, secret, "sim-embed"), 404, "invalid_request_error", "model_not_found",
                    "model", false);
            HttpResponse<String> models = gw.request("GET", "/v1/models", "authorization", "Bearer " + secret);
            assertThat(JSON.readTree(models.body()).get("data").findValuesAsText("id")).containsExactly("sim-mini");
        } finally {
            gw.adminOk("POST", "/v1/organization/model_access", "{\"visible_models\":[],\"allowed_models\":[]}", inOrg());
        }
        assertThat(chatWith(gw.http, secret, "sim-large").statusCode()).isEqualTo(200);
        assertThat(audit(org)).extracting(AuditEntry::action).contains("model_access.replaced");
    }

    @Test
    void regionPoliciesAreValidatedAndShown() {
        assertError(gw.admin("POST", "/v1/region_policy", "{\"unsupported_countries\":[\"K\"]}"), 400,
                "invalid_request_error", "invalid_value", "unsupported_countries[0]", false);
        assertError(gw.admin("POST", "/v1/organization/region_policy", "{}", inOrg()), 400, "invalid_request_error",
                null, "unsupported_countries", false);
        JsonNode o = gw.adminOk("POST", "/v1/organization/region_policy", "{\"unsupported_countries\":[\"ru\",\"KP\"]}",
                inOrg());
        assertThat(o.get("unsupported_countries").toString()).isEqualTo("[\"KP\",\"RU\"]");
        assertThat(gw.adminOk("GET", "/v1/region_policy", null).get("object").asText()).isEqualTo("region_policy");
        gw.adminOk("POST", "/v1/organization/region_policy", "{\"unsupported_countries\":[]}", inOrg());
        assertThat(audit(org)).extracting(AuditEntry::action).contains("region_policy.replaced");
    }
}
