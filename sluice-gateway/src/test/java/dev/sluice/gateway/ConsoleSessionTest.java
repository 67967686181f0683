package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin console's session rules over real HTTP: sign-in, cookies, expiry, sign-out, CSRF and origin checks. */
class ConsoleSessionTest {
    @TempDir
    static Path dir;
    static FakeTime clock;
    static TestGateway gw;
    static CapturedLogs logs;

    @BeforeAll
    static void start() {
        logs = new CapturedLogs();
        clock = FakeTime.startingNow();
        gw = TestGateway.builder(dir).config("").clock(clock).start();
    }

    @AfterAll
    static void stop() {
        gw.close();
        logs.close();
    }

    String origin() {
        return "http://127.0.0.1:" + gw.gateway.adminPort();
    }

    HttpResponse<String> console(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin() + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return gw.send(b.build());
    }

    HttpResponse<String> signIn(String token, String origin) {
        return console("POST", "/console/sign-in", "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8),
                "content-type", "application/x-www-form-urlencoded", "origin", origin);
    }

    /** Signs in and returns {cookie, csrf token}. */
    String[] session() {
        HttpResponse<String> r = signIn(gw.gateway.adminToken(), origin());
        assertThat(r.statusCode()).isEqualTo(303);
        String cookie = r.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
        HttpResponse<String> page = console("GET", "/console/", null, "cookie", cookie);
        assertThat(page.statusCode()).isEqualTo(200);
        Matcher m = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\"").matcher(page.body());
        assertThat(m.find()).isTrue();
        return new String[] {cookie, m.group(1)};
    }

    @Test
    void withoutACookieEveryPageLeadsToTheSignInPage() {
        for (String p : new String[] {"/console/", "/console/access", "/console/audit", "/console/batches"}) {
            HttpResponse<String> r = console("GET", p, null);
            assertThat(r.statusCode()).as(p).isEqualTo(303);
            assertThat(r.headers().firstValue("location")).contains("/console/sign-in");
        }
        HttpResponse<String> page = console("GET", "/console/sign-in", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<label for=\"token\">Admin token</label>").contains("type=\"password\"");
        assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(v ->
                assertThat(v).contains("script-src 'self'").contains("frame-ancestors 'none'"));
        TestGateway.assertError(console("GET", "/console/api/organizations", null), 401, "invalid_request_error",
                "console_sign_in_required", null, false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/console/", "/console/sign-in", "/console/assets/console.js", "/console/api/organizations"})
    void thePublicPortNeverServesTheConsole(String path) {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.url(path))).GET().build());
        TestGateway.assertError(r, 404, "invalid_request_error", "unknown_url", null, false);
    }

    @Test
    void aWrongTokenGetsAClearMessageAfterADelayAndNoSession() {
        String wrong = "sk-admin-wrongwrongwrongwrong1234";
        HttpResponse<String> r = signIn(wrong, origin());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("That is not the admin token").doesNotContain(wrong)
                .doesNotContain("Exception").doesNotContain(".java");
        assertThat(r.headers().firstValue("set-cookie")).isEmpty();
        assertThat(logs.lines()).noneMatch(l -> l.contains(wrong));
    }

    @Test
    void signingInSetsAnHttpOnlyStrictExpiringCookieAndNeverShowsTheToken() {
        HttpResponse<String> r = signIn(gw.gateway.adminToken(), origin());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("location")).contains("/console/");
        String setCookie = r.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).startsWith("sluice_console=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/console").containsPattern("Max-Age=\\d+").doesNotContain("Secure");
        assertThat(setCookie).doesNotContain(gw.gateway.adminToken());
        String cookie = setCookie.split(";")[0];
        for (String p : new String[] {"/console/", "/console/access", "/console/limits", "/console/usage",
                "/console/health", "/console/batches", "/console/audit"}) {
            HttpResponse<String> page = console("GET", p, null, "cookie", cookie);
            assertThat(page.statusCode()).as(p + ": " + page.body()).isEqualTo(200);
            assertThat(page.body()).as(p).doesNotContain(gw.gateway.adminToken()).doesNotContain("Exception");
        }
        assertThat(logs.lines()).noneMatch(l -> l.contains(gw.gateway.adminToken()));
    }

    @Test
    void aSignInPostedFromAnotherSiteIsRefused() {
        HttpResponse<String> r = signIn(gw.gateway.adminToken(), "https://evil.example");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("set-cookie")).isEmpty();
    }

    @Test
    void aForgedCookieIsRefused() {
        String forged = "sluice_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assertThat(console("GET", "/console/", null, "cookie", forged).statusCode()).isEqualTo(303);
        TestGateway.assertError(console("GET", "/console/api/organizations", null, "cookie", forged), 401,
                "invalid_request_error", "console_sign_in_required", null, false);
    }

    @Test
    void anExpiredCookieIsRefused() {
        String[] s = session();
        clock.advance(Duration.ofHours(8).plusSeconds(1));
        assertThat(console("GET", "/console/", null, "cookie", s[0]).statusCode()).isEqualTo(303);
    }

    @Test
    void aCookieReplayedAfterSignOutIsRefused() {
        String[] s = session();
        HttpResponse<String> out = console("POST", "/console/sign-out", "csrf=" + s[1], "cookie", s[0],
                "content-type", "application/x-www-form-urlencoded", "origin", origin());
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("set-cookie")).hasValueSatisfying(v -> assertThat(v).contains("Max-Age=0"));
        assertThat(console("GET", "/console/", null, "cookie", s[0]).statusCode()).isEqualTo(303);
        TestGateway.assertError(console("GET", "/console/api/organizations", null, "cookie", s[0]), 401,
                "invalid_request_error", "console_sign_in_required", null, false);
    }

    @Test
    void everyChangeNeedsTheCsrfTokenAndTheConsolesOwnOrigin() throws Exception {
        String[] s = session();
        String body = "{\"name\":\"csrf-probe\"}";
        String[][] refused = {
                {"cookie", s[0], "origin", origin()},                                   // no token
                {"cookie", s[0], "origin", origin(), "x-csrf-token", "forged"},         // wrong token
                {"cookie", s[0], "origin", "https://evil.example", "x-csrf-token", s[1]}, // cross-site
                {"cookie", s[0], "x-csrf-token", s[1]}};                                // no origin, no referer
        for (String[] h : refused) {
            String[] all = new String[h.length + 2];
            System.arraycopy(h, 0, all, 0, h.length);
            all[h.length] = "content-type";
            all[h.length + 1] = "application/json";
            TestGateway.assertError(console("POST", "/console/api/organization/projects", body, all), 403,
                    "invalid_request_error", "csrf_check_failed", null, false);
        }
        // cross-site sign-out is refused too, and the session survives it
        assertThat(console("POST", "/console/sign-out", "csrf=" + s[1], "cookie", s[0], "content-type",
                "application/x-www-form-urlencoded", "origin", "https://evil.example").statusCode()).isEqualTo(403);
        assertThat(gw.adminOk("GET", "/v1/organization/projects", null).toString()).doesNotContain("csrf-probe");

        HttpResponse<String> ok = console("POST", "/console/api/organization/projects", body, "cookie", s[0],
                "referer", origin() + "/console/access", "x-csrf-token", s[1], "content-type", "application/json");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(gw.adminOk("GET", "/v1/organization/projects", null).toString()).contains("csrf-probe");
    }

    @Test
    void theConsoleValidatesExactlyAsTheAdminApi() throws Exception {
        String[] s = session();
        String project = gw.adminOk("GET", "/v1/organization/projects", null).path("data").get(0).path("id").asText();
        String path = "/organization/projects/" + project + "/rate_limits/rl-sim";
        String bad = "{\"max_requests_per_1_minute\":-5}";
        HttpResponse<String> direct = gw.admin("POST", "/v1" + path, bad);
        HttpResponse<String> viaConsole = console("POST", "/console/api" + path, bad, "cookie", s[0], "origin", origin(),
                "x-csrf-token", s[1], "content-type", "application/json");
        assertThat(viaConsole.statusCode()).isEqualTo(direct.statusCode()).isEqualTo(400);
        JsonNode a = TestGateway.JSON.readTree(direct.body()), b = TestGateway.JSON.readTree(viaConsole.body());
        assertThat(b).isEqualTo(a);
    }

    @Test
    void theOverviewCountsFailuresByContractClass() throws Exception {
        String[] s = session();
        gw.postNoAuth("/v1/chat/completions", TestGateway.chat("sim-mini", null), "authorization", "Bearer sk-proj-nope");
        gw.post("/v1/chat/completions", TestGateway.chat("no-such-model", null));
        gw.post("/v1/chat/completions", TestGateway.chat("sim-mini", null));
        JsonNode d = TestGateway.JSON.readTree(console("GET", "/console/data/overview?range=hour", null,
                "cookie", s[0]).body());
        long auth = 0, notFound = 0;
        for (JsonNode c : d.path("classes")) {
            double sum = 0;
            for (JsonNode v : c.path("per_second")) sum += v.asDouble();
            if (c.path("key").asText().equals("auth_401_403")) auth = Math.round(sum * 60);
            if (c.path("key").asText().equals("not_found_404")) notFound = Math.round(sum * 60);
        }
        assertThat(auth).isGreaterThanOrEqualTo(1);
        assertThat(notFound).isGreaterThanOrEqualTo(1);
        double requests = 0;
        for (JsonNode v : d.path("requests_per_second")) requests += v.asDouble();
        assertThat(Math.round(requests * 60)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void namesAreEscapedSoAStoredScriptNeverRuns() {
        gw.adminOk("POST", "/v1/organization/projects", "{\"name\":\"<script>alert(1)</script>\"}");
        String[] s = session();
        String page = console("GET", "/console/access", null, "cookie", s[0]).body();
        assertThat(page).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>alert(1)");
    }

    @Test
    void theDayAndMonthRangesHaveTheirPointsAndTheMonthReadsTheLedger() throws Exception {
        String[] s = session();
        assertThat(gw.post("/v1/chat/completions", TestGateway.chat("sim-mini", null)).statusCode()).isEqualTo(200);
        JsonNode day = TestGateway.JSON.readTree(console("GET", "/console/data/overview?range=day", null,
                "cookie", s[0]).body());
        assertThat(day.path("t").size()).isBetween(144, 145);
        assertThat(day.path("step_seconds").asInt()).isEqualTo(600);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        double requests = 0;
        JsonNode month = null;
        while (requests < 1 && System.nanoTime() < deadline) { // the ledger is written in batches off the hot path
            month = TestGateway.JSON.readTree(console("GET", "/console/data/overview?range=month", null,
                    "cookie", s[0]).body());
            requests = 0;
            for (JsonNode v : month.path("requests_per_second")) requests += v.asDouble() * 86_400;
        }
        assertThat(month.path("t").size()).isEqualTo(30);
        assertThat(Math.round(requests)).isGreaterThanOrEqualTo(1);
        String summary = console("GET", "/console/?range=month", null, "cookie", s[0]).body();
        assertThat(summary).contains("last 30 days (model requests)");
    }

    @Test
    void usageExportsAsCsvWithAHeaderRow() {
        String[] s = session();
        HttpResponse<String> csv = console("GET", "/console/usage.csv?group_by=model&days=3", null, "cookie", s[0]);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/csv"));
        assertThat(csv.headers().firstValue("content-disposition")).hasValueSatisfying(v ->
                assertThat(v).contains("attachment"));
        assertThat(csv.body()).startsWith("day,model,requests,input_tokens,output_tokens,cost_usd\r\n");
    }

    @Test
    void theAuditLogFiltersByObjectAndDayAndRefusesABadDayWithAMessage() {
        String a = gw.adminOk("POST", "/v1/organization/projects", "{\"name\":\"audit-a\"}").path("id").asText();
        String b = gw.adminOk("POST", "/v1/organization/projects", "{\"name\":\"audit-b\"}").path("id").asText();
        String[] s = session();
        String today = java.time.LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC).toString();
        String page = console("GET", "/console/audit?actor=admin&object=" + a + "&from=" + today + "&to=" + today, null,
                "cookie", s[0]).body();
        assertThat(page).contains(a).contains("project.created").doesNotContain(b);
        String yesterday = java.time.LocalDate.parse(today).minusDays(1).toString();
        assertThat(console("GET", "/console/audit?object=" + a + "&to=" + yesterday, null, "cookie", s[0]).body())
                .doesNotContain("project.created");
        HttpResponse<String> bad = console("GET", "/console/audit?from=yesterday", null, "cookie", s[0]);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("expected a day as YYYY-MM-DD").doesNotContain("Exception");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "POST, /console/api/organization/projects",
            "POST, /console/api/organizations",
            "DELETE, /console/api/organization/projects/proj_x/api_keys/key_x",
            "POST, /console/batches/batch_x/cancel",
            "POST, /console/sign-out"})
    void everyStateChangingRouteRefusesAChangeWithoutTheCsrfToken(String method, String path) {
        String[] s = session();
        HttpResponse<String> r = console(method, path, method.equals("DELETE") ? null : "{}", "cookie", s[0],
                "origin", origin(), "content-type", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        if (path.startsWith("/console/api/")) {
            TestGateway.assertError(r, 403, "invalid_request_error", "csrf_check_failed", null, false);
        } else {
            assertThat(r.body()).contains("This change was refused").contains("CSRF token");
        }
        assertThat(console("GET", "/console/", null, "cookie", s[0]).statusCode()).as("the session survives").isEqualTo(200);
    }
}
