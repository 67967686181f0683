package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.protocol.KeyMask;
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
import java.nio.file.Files;
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
 * Every 401, 403 and 404 of the access contract, one test per row, through real HTTP against a gateway whose access
 * model comes from the declarative bootstrap. Requests from 127.0.0.1 pass through a configured trusted proxy;
 * requests from 127.0.0.2 (another loopback address) are an untrusted client.
 */
class AccessControlTest {
    static final String OPEN = "sk-proj-openOPENopen0123456789abcdefghijklmnopqrstu";
    static final String LEAVER = "sk-proj-leaverLEAVER0123456789abcdefghijklmnopqrs";
    static final String READ_ONLY = "sk-proj-readonlyREAD0123456789abcdefghijklmnopq";
    static final String REQUEST_ONLY = "sk-proj-requestREQ0123456789abcdefghijklmnopqrs";
    static final String RESTRICTED = "sk-proj-restrictedRES0123456789abcdefghijklmnop";

    @TempDir
    static Path dir;
    static TestGateway gw;
    static HttpClient untrusted;

    @BeforeAll
    static void start() throws IOException {
        Path table = dir.resolve("countries.csv");
        Files.writeString(table, """
                # cidr,country
                198.51.100.0/24,RU
                198.51.100.128/25,NZ
                2001:db8:77::/48,KP
                """);
        gw = TestGateway.builder(dir).config("""
                trusted_proxies: [127.0.0.1/32]
                region:
                  country_header: x-edge-country
                  country_table: %s
                access:
                  unsupported_countries: [KP]
                  users:
                    - {email: ada@acme.test, name: Ada}
                    - {email: leaver@acme.test, name: Leaver}
                  organizations:
                    - name: Acme
                      members: [{email: ada@acme.test, role: owner}, {email: leaver@acme.test}]
                      unsupported_countries: [RU]
                      visible_models: [sim-mini, sim-large, sim-embed]
                      projects:
                        - name: Open
                          keys:
                            - {name: open, secret_env: KEY_OPEN, owner: ada@acme.test}
                            - {name: leaver, secret_env: KEY_LEAVER, owner: leaver@acme.test}
                            - {name: read-only, secret_env: KEY_READ_ONLY, scopes: [api.read]}
                            - {name: requests-only, secret_env: KEY_REQUEST_ONLY, scopes: [model.request]}
                        - name: Restricted
                          allowed_models: [sim-mini]
                          ip_allowlist: [10.0.0.0/8, "2001:db8::/32"]
                          keys:
                            - {name: restricted, secret_env: KEY_RESTRICTED}
                """.formatted(table)).env(Map.of("KEY_OPEN", OPEN, "KEY_LEAVER", LEAVER, "KEY_READ_ONLY", READ_ONLY,
                "KEY_REQUEST_ONLY", REQUEST_ONLY, "KEY_RESTRICTED", RESTRICTED)).start();
        untrusted = HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0.2"))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        gw.close();
        untrusted.close();
    }

    /** A request with {@code key}; {@code body} null means GET. Headers as name/value pairs. */
    static HttpResponse<String> call(HttpClient client, String key, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url(path))).timeout(Duration.ofSeconds(20));
        if (body == null) b.GET();
        else b.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("authorization", "Bearer " + key);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> call(String key, String path, String body, String... headers) {
        return call(gw.http, key, path, body, headers);
    }

    static List<String> modelIds(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode m : JSON.readTree(r.body()).get("data")) ids.add(m.get("id").asText());
        return ids;
    }

    static String orgId() {
        return call(OPEN, "/v1/models", null).headers().firstValue("openai-organization").orElseThrow();
    }

    @Test
    void aDeclaredKeyWorksAndItsAnswersNameItsOrganizationAndProject() {
        HttpResponse<String> r = call(OPEN, "/v1/chat/completions", chat("sim-mini", null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("openai-organization")).hasValueSatisfying(v -> assertThat(v).startsWith("org_"));
        assertThat(r.headers().firstValue("openai-project")).hasValueSatisfying(v -> assertThat(v).startsWith("proj_"));
    }

    @Test
    void noKeyIs401MissingApiKey() {
        assertError(call(null, "/v1/chat/completions", chat("sim-mini", null)), 401, "invalid_request_error",
                "missing_api_key", null, false);
    }

    @Test
    void anUnknownKeyIs401InvalidApiKeyWithTheKeyMasked() {
        String key = "sk-proj-NOPEnope0123456789abcdefghijklmnopqrstuvwxyzWXYZ";
        JsonNode e = assertError(call(key, "/v1/chat/completions", chat("sim-mini", null)), 401,
                "invalid_request_error", "invalid_api_key", null, false);
        assertThat(e.get("message").asText()).contains(KeyMask.mask(key)).contains("sk-proj-NOPEn").endsWith(
                "You can find your API key in your Sluice dashboard.").doesNotContain(key).doesNotContain("0123456789abc");
    }

    @Test
    void aRevokedKeyIs401InvalidApiKeySayingRevokedAtOnceAfterTheAdminRevokesIt() {
        String projectId = call(OPEN, "/v1/models", null).headers().firstValue("openai-project").orElseThrow();
        JsonNode created = gw.adminOk("POST", "/v1/organization/projects/" + projectId + "/api_keys",
                "{\"name\":\"short-lived\"}");
        String secret = created.get("value").asText();
        assertThat(call(secret, "/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);

        gw.adminOk("DELETE", "/v1/organization/projects/" + projectId + "/api_keys/" + created.get("id").asText(), null);

        JsonNode e = assertError(call(secret, "/v1/chat/completions", chat("sim-mini", null)), 401,
                "invalid_request_error", "invalid_api_key", null, false);
        assertThat(e.get("message").asText()).contains(KeyMask.mask(secret)).contains("was revoked at")
                .doesNotContain(secret);
    }

    @Test
    void aKeyWhoseOwnerLeftTheOrganizationIs401NoOrganization() {
        assertThat(call(LEAVER, "/v1/models", null).statusCode()).isEqualTo(200);
        JsonNode members = gw.adminOk("GET", "/v1/organization/users", null, "openai-organization", orgId());
        String leaver = null;
        for (JsonNode u : members.get("data")) if (u.get("email").asText().equals("leaver@acme.test")) leaver = u.get("id").asText();
        gw.adminOk("DELETE", "/v1/organization/users/" + leaver, null, "openai-organization", orgId());

        JsonNode e = assertError(call(LEAVER, "/v1/chat/completions", chat("sim-mini", null)), 401,
                "invalid_request_error", "no_organization", null, false);
        assertThat(e.get("message").asText()).startsWith("You must be a member of an organization to use the API.");
    }

    @Test
    void anOpenAiOrganizationHeaderOfAnotherOrganizationIs401InvalidOrganization() {
        JsonNode e = assertError(call(OPEN, "/v1/chat/completions", chat("sim-mini", null),
                "OpenAI-Organization", "org_someoneElse"), 401, "invalid_request_error", "invalid_organization",
                null, false);
        assertThat(e.get("message").asText()).contains("OpenAI-Organization").contains("org_someoneElse");
        assertThat(call(OPEN, "/v1/chat/completions", chat("sim-mini", null), "OpenAI-Organization", orgId())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void anOpenAiProjectHeaderOfAnotherProjectIs401InvalidProject() {
        JsonNode e = assertError(call(OPEN, "/v1/models", null, "OpenAI-Project", "proj_someoneElse"), 401,
                "invalid_request_error", "invalid_project", null, false);
        assertThat(e.get("message").asText()).contains("OpenAI-Project").contains("proj_someoneElse");
    }

    @Test
    void aReadOnlyKeyMayListModelsButNotRequestThem401InsufficientPermissions() throws IOException {
        assertThat(modelIds(call(READ_ONLY, "/v1/models", null))).contains("sim-mini");
        JsonNode e = assertError(call(READ_ONLY, "/v1/chat/completions", chat("sim-mini", null)), 401,
                "invalid_request_error", "insufficient_permissions", null, false);
        assertThat(e.get("message").asText()).contains("Missing scopes: model.request.");
    }

    @Test
    void aModelRequestOnlyKeyMayNotListModels401InsufficientPermissions() {
        assertThat(call(REQUEST_ONLY, "/v1/embeddings", "{\"model\":\"sim-embed\",\"input\":\"hi\"}").statusCode())
                .isEqualTo(200);
        JsonNode e = assertError(call(REQUEST_ONLY, "/v1/models/sim-mini", null), 401, "invalid_request_error",
                "insufficient_permissions", null, false);
        assertThat(e.get("message").asText()).contains("Missing scopes: model.read.");
    }

    @Test
    void anAddressOutsideTheProjectAllowlistIs401IpNotAuthorizedNamingTheAddress() {
        JsonNode e = assertError(call(untrusted, RESTRICTED, "/v1/chat/completions", chat("sim-mini", null)), 401,
                "invalid_request_error", "ip_not_authorized", null, false);
        assertThat(e.get("message").asText()).isEqualTo("You are not authorized to use this API from IP address "
                + "127.0.0.2. Check your organization or project IP allowlist.");
    }

    @Test
    void behindTheTrustedProxyTheForwardedClientAddressDecidesForIpv4AndIpv6() {
        assertThat(call(RESTRICTED, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for", "10.1.2.3")
                .statusCode()).isEqualTo(200);
        assertThat(call(RESTRICTED, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for",
                "2001:db8:0:0::7").statusCode()).isEqualTo(200);
        JsonNode e = assertError(call(RESTRICTED, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for",
                "2001:db9::7"), 401, "invalid_request_error", "ip_not_authorized", null, false);
        assertThat(e.get("message").asText()).contains("IP address 2001:db9::7.");
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedClientCannotEscapeTheAllowlist() {
        // The client claims to be inside 10.0.0.0/8, but it is not a trusted proxy: the header is ignored.
        JsonNode e = assertError(call(untrusted, RESTRICTED, "/v1/chat/completions", chat("sim-mini", null),
                "x-forwarded-for", "10.1.2.3"), 401, "invalid_request_error", "ip_not_authorized", null, false);
        assertThat(e.get("message").asText()).contains("IP address 127.0.0.2.");
        // Through the trusted proxy, a hop the client prepended is left of the hop the proxy appended.
        e = assertError(call(RESTRICTED, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for",
                "10.1.2.3, 203.0.113.9"), 401, "invalid_request_error", "ip_not_authorized", null, false);
        assertThat(e.get("message").asText()).contains("IP address 203.0.113.9.");
        // A trusted proxy that forwards garbage does not open the door either.
        e = assertError(call(RESTRICTED, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for",
                "10.1.2.3, not-an-ip"), 401, "invalid_request_error", "ip_not_authorized", null, false);
        assertThat(e.get("message").asText()).contains("IP address unknown.");
    }

    @Test
    void aCountryOnTheInstallationWideListIs403FromTheTrustedEdgeHeader() {
        JsonNode e = assertError(call(OPEN, "/v1/chat/completions", chat("sim-mini", null), "x-edge-country", "kp"),
                403, "request_forbidden", "unsupported_country_region_territory", null, false);
        assertThat(e.get("message").asText()).isEqualTo("Country, region, or territory not supported");
        assertThat(call(OPEN, "/v1/models", null, "x-edge-country", "NZ").statusCode()).isEqualTo(200);
    }

    @Test
    void theCountryHeaderOfAnUntrustedClientIsIgnored() {
        assertThat(call(untrusted, OPEN, "/v1/chat/completions", chat("sim-mini", null), "x-edge-country", "KP")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aCountryOnTheOrganizationListIs403FromTheCountryTable() {
        assertError(call(OPEN, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for", "198.51.100.7"),
                403, "request_forbidden", "unsupported_country_region_territory", null, false);
        assertError(call(OPEN, "/v1/models", null, "x-forwarded-for", "2001:db8:77::1"),
                403, "request_forbidden", "unsupported_country_region_territory", null, false);
        // The longer prefix wins: 198.51.100.200 is in the NZ /25 inside the RU /24.
        assertThat(call(OPEN, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for", "198.51.100.200")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aVisibleModelTheProjectMayNotUseIs403ModelNotAllowed() {
        String projectId = call(RESTRICTED, "/v1/models", null, "x-forwarded-for", "10.0.0.1").headers()
                .firstValue("openai-project").orElseThrow();
        JsonNode e = assertError(call(RESTRICTED, "/v1/chat/completions", chat("sim-large", null), "x-forwarded-for",
                "10.0.0.1"), 403, "permission_error", "model_not_allowed", "model", false);
        assertThat(e.get("message").asText()).isEqualTo("Project " + projectId + " does not have access to model sim-large.");
    }

    @Test
    void eachRequestIsCheckedAgainstItsOwnProjectsPolicyWhenProjectsAlternate() {
        // One policy lookup a request serves the allowlist, region and model checks: it never carries over.
        for (int i = 0; i < 3; i++) {
            assertThat(call(OPEN, "/v1/chat/completions", chat("sim-large", null), "x-forwarded-for", "203.0.113.9")
                    .statusCode()).isEqualTo(200);
            assertError(call(RESTRICTED, "/v1/chat/completions", chat("sim-large", null), "x-forwarded-for",
                    "10.0.0.1"), 403, "permission_error", "model_not_allowed", "model", false);
            assertError(call(RESTRICTED, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for",
                    "203.0.113.9"), 401, "invalid_request_error", "ip_not_authorized", null, false);
            assertError(call(OPEN, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for",
                    "198.51.100.7"), 403, "request_forbidden", "unsupported_country_region_territory", null, false);
            assertThat(call(RESTRICTED, "/v1/chat/completions", chat("sim-mini", null), "x-forwarded-for", "10.0.0.1")
                    .statusCode()).isEqualTo(200);
            JsonNode e = assertError(call(untrusted, RESTRICTED, "/v1/chat/completions", chat("sim-mini", null)), 401,
                    "invalid_request_error", "ip_not_authorized", null, false);
            assertThat(e.get("message").asText()).contains("IP address 127.0.0.2.");
        }
    }

    @Test
    void aModelOutsideTheOrganizationsTierIs404ModelNotFoundLikeAnUnknownOne() {
        JsonNode hidden = assertError(call(OPEN, "/v1/images/generations", "{\"model\":\"sim-image\",\"prompt\":\"a cat\"}"),
                404, "invalid_request_error", "model_not_found", "model", false);
        assertThat(hidden.get("message").asText()).isEqualTo("The model 'sim-image' does not exist or you do not have access to it.");
        // On the wrong endpoint too: a hidden model is not revealed by a modality error.
        assertError(call(OPEN, "/v1/chat/completions", chat("sim-image", null)), 404, "invalid_request_error",
                "model_not_found", "model", false);
        assertError(call(OPEN, "/v1/models/sim-image", null), 404, "invalid_request_error", "model_not_found",
                "model", false);
        // A visible model on the wrong endpoint is still the 400 it always was.
        assertError(call(OPEN, "/v1/chat/completions", chat("sim-embed", null)), 400, "invalid_request_error",
                "invalid_value", "model", false);
    }

    @Test
    void theModelsListShowsOnlyWhatTheCallerMayUse() throws IOException {
        assertThat(modelIds(call(OPEN, "/v1/models", null))).containsExactly("sim-mini", "sim-large", "sim-embed");
        assertThat(modelIds(call(RESTRICTED, "/v1/models", null, "x-forwarded-for", "10.0.0.1")))
                .containsExactly("sim-mini");
        assertThat(call(RESTRICTED, "/v1/models/sim-mini", null, "x-forwarded-for", "10.0.0.1").statusCode()).isEqualTo(200);
        assertError(call(RESTRICTED, "/v1/models/sim-large", null, "x-forwarded-for", "10.0.0.1"), 404,
                "invalid_request_error", "model_not_found", "model", false);
        // The demo organization has no model policy: it sees the whole catalogue.
        assertThat(modelIds(gw.request("GET", "/v1/models"))).containsExactly("sim-mini", "sim-large", "sim-embed",
                "sim-image");
    }
}
