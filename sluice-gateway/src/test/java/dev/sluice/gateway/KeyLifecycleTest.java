package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.store.ApiKeys;
import dev.sluice.protocol.KeyMask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys over time, on a gateway whose clock (and so whose key and policy caches) the test moves by hand: expiry at
 * the instant, revocations seen at once here and within one second from another gateway, and a hot path that does
 * not touch the database.
 */
class KeyLifecycleTest {
    static final Instant START = Instant.parse("2026-06-01T12:00:00Z");

    @TempDir
    static Path dir;
    static FakeTime clock;
    static TestGateway gw;
    static String projectId;

    @BeforeAll
    static void start() {
        clock = new FakeTime(START);
        // Background database work (ledger flushes, limit and spend reloads, the batch runner's lease adoption every
        // lease_ms / 2) is pushed far out so the query counter measures only what requests themselves cost; on a loaded
        // machine this class outlasted the 15 s adoption period (60 s is the longest limits reload allowed).
        gw = TestGateway.builder(dir).config("limits: {reload_ms: 60000}\nquotas: {ledger_flush_ms: 600000,"
                + " ledger_batch_size: 100000, refresh_ms: 600000}\nbatch: {lease_ms: 7200000}\n").clock(clock).start();
        projectId = gw.gateway.demo().orElseThrow().projectId();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    /** Every test starts with cold caches: whatever earlier tests cached has expired. */
    @BeforeEach
    void expireCaches() {
        clock.advance(Duration.ofSeconds(5));
    }

    HttpResponse<String> chatWith(String key) {
        return gw.post("/v1/chat/completions", chat("sim-mini", null), "authorization", "Bearer " + key);
    }

    JsonNode createKey(String extra) {
        return gw.adminOk("POST", "/v1/organization/projects/" + projectId + "/api_keys",
                "{\"name\":\"k\"" + (extra == null ? "" : "," + extra) + "}");
    }

    @Test
    void anExpiringKeyWorksUntilItsExpiryInstantAndFailsFromItOn() {
        Instant now = clock.instant();
        long expiresAt = now.plusSeconds(60).getEpochSecond();
        String secret = createKey("\"expires_at\":" + expiresAt).get("value").asText();
        assertThat(chatWith(secret).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(60).minusMillis(1));
        assertThat(chatWith(secret).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofMillis(1));
        JsonNode e = assertError(chatWith(secret), 401, "invalid_request_error", "invalid_api_key", null, false);
        assertThat(e.get("message").asText()).isEqualTo("The API key " + KeyMask.mask(secret)
                + " expired at " + now.plusSeconds(60) + ". Create a new key in your Sluice dashboard.");
    }

    @Test
    void aRevocationThroughTheAdminApiStopsTheKeyOnTheVeryNextRequest() {
        JsonNode key = createKey(null);
        String secret = key.get("value").asText();
        assertThat(chatWith(secret).statusCode()).isEqualTo(200); // now cached

        gw.adminOk("DELETE", "/v1/organization/projects/" + projectId + "/api_keys/" + key.get("id").asText(), null);

        assertError(chatWith(secret), 401, "invalid_request_error", "invalid_api_key", null, false);
    }

    @Test
    void aRevocationWrittenByAnotherGatewayIsSeenWithinOneSecond() {
        JsonNode key = createKey(null);
        String secret = key.get("value").asText();
        assertThat(chatWith(secret).statusCode()).isEqualTo(200); // now cached

        // Another gateway on the same database revokes it: no invalidation reaches this one.
        new ApiKeys(gw.gateway.database(), clock).revoke(key.get("id").asText(), clock.instant());
        clock.advance(Duration.ofMillis(400));
        assertThat(chatWith(secret).statusCode()).as("still served from the cache").isEqualTo(200);

        clock.advance(Duration.ofMillis(600)); // one second after the key was cached
        JsonNode e = assertError(chatWith(secret), 401, "invalid_request_error", "invalid_api_key", null, false);
        assertThat(e.get("message").asText()).contains("was revoked at");
    }

    @Test
    void interleavedKeysOfTwoOrganizationsEachGetTheirOwnOrganizationAndProjectHeaders() {
        ProjectKey second = newOrganizationWithKey("Second", "P2", "k2");
        String orgId = second.orgId(), project = second.projectId(), secret = second.secret();
        String demoOrg = gw.gateway.demo().orElseThrow().orgId();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> demo = chatWith(TestGateway.DEMO_KEY);
            assertThat(demo.statusCode()).isEqualTo(200);
            assertThat(demo.headers().allValues("openai-organization")).containsExactly(demoOrg);
            assertThat(demo.headers().allValues("openai-project")).containsExactly(projectId);
            HttpResponse<String> other = chatWith(secret);
            assertThat(other.statusCode()).isEqualTo(200);
            assertThat(other.headers().allValues("openai-organization")).containsExactly(orgId);
            assertThat(other.headers().allValues("openai-project")).containsExactly(project);
        }
    }

    @Test
    void aPolicyChangeWrittenByAnotherGatewayIsSeenWithinOneSecond() {
        ProjectKey elsewhere = newOrganizationWithKey("Elsewhere", "P", "k");
        String orgId = elsewhere.orgId(), secret = elsewhere.secret();
        assertThat(chatWith(secret).statusCode()).isEqualTo(200);

        gw.gateway.database().transaction(c -> {
            new dev.sluice.gateway.store.IpAllowlists(gw.gateway.database(), clock).add(orgId, null, "10.0.0.0/8");
            return null;
        });
        clock.advance(Duration.ofMillis(400));
        assertThat(chatWith(secret).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofMillis(600));
        HttpResponse<String> r = chatWith(secret);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("ip_not_authorized");
    }

    @Test
    void afterTheFirstRequestTheHotPathDoesNotQueryTheDatabase() {
        assertThat(chatWith(TestGateway.DEMO_KEY).statusCode()).isEqualTo(200);
        assertThat(gw.request("GET", "/v1/models").statusCode()).isEqualTo(200);
        long before = gw.gateway.database().queryCount();

        int n = 100;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = i % 5 == 0 ? chatWith(TestGateway.DEMO_KEY) : gw.request("GET", "/v1/models");
            assertThat(r.statusCode()).isEqualTo(200);
        }
        // Unknown keys are cached too: a flood of one bad key costs one query.
        for (int i = 0; i < 20; i++) chatWith("sk-proj-notAKey0123456789abcdefghijklmnopqrstuvwx");

        assertThat(gw.gateway.database().queryCount() - before).isEqualTo(1);
    }

    @Test
    void theFirstRequestOfAKeyCostsOneKeyQueryAndThreePolicyQueries() {
        long before = gw.gateway.database().queryCount();
        assertThat(chatWith(TestGateway.DEMO_KEY).statusCode()).isEqualTo(200);
        assertThat(gw.gateway.database().queryCount() - before).isEqualTo(4);
    }

    @Test
    void aKeyAndAnUnknownKeyThatShareAHashSlotAreEachAnsweredAsThemselves() {
        JsonNode key = createKey(null);
        String secret = key.get("value").asText();
        String twin = sameHashCode(secret); // the same slot of the remembered key hashes; not a valid key
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = chatWith(secret);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("openai-project")).contains(projectId);
            JsonNode e = assertError(chatWith(twin), 401, "invalid_request_error", "invalid_api_key", null, false);
            assertThat(e.get("message").asText()).contains(KeyMask.mask(twin));
        }
        gw.adminOk("DELETE", "/v1/organization/projects/" + projectId + "/api_keys/" + key.get("id").asText(), null);
        assertError(chatWith(secret), 401, "invalid_request_error", "invalid_api_key", null, false);
    }

    /** Another string with {@code s}'s hashCode: two adjacent chars moved by (+1, -31) or (-1, +31), still alphanumeric. */
    static String sameHashCode(String s) {
        for (int k = s.length() - 2; k >= 0; k--) {
            for (int d : new int[] {1, -1}) {
                char a = (char) (s.charAt(k) + d);
                char b = (char) (s.charAt(k + 1) - 31 * d);
                if (Character.isLetterOrDigit(a) && a < 128 && Character.isLetterOrDigit(b) && b < 128) {
                    String t = s.substring(0, k) + a + b + s.substring(k + 2);
                    assertThat(t.hashCode()).isEqualTo(s.hashCode());
                    return t;
                }
            }
        }
        throw new AssertionError("no twin for this key");
    }

    /** An organization of its own (through the admin API) with one project and one key of that project. */
    private ProjectKey newOrganizationWithKey(String org, String projectName, String keyName) {
        String orgId = gw.adminOk("POST", "/v1/organizations", "{\"name\":\"" + org + "\"}").get("id").asText();
        String project = gw.adminOk("POST", "/v1/organization/projects", "{\"name\":\"" + projectName + "\"}",
                "openai-organization", orgId).get("id").asText();
        String secret = gw.adminOk("POST", "/v1/organization/projects/" + project + "/api_keys",
                "{\"name\":\"" + keyName + "\"}").get("value").asText();
        return new ProjectKey(orgId, project, secret);
    }

    private record ProjectKey(String orgId, String projectId, String secret) {}
}
