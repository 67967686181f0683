package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice ip-allowlist|region-policy|model-access|rate-limits|budget|credits} against a real gateway in this
 * JVM: each command runs through picocli with captured output and talks HTTP to the admin port; its effect is checked
 * with chat requests on the public port (status and error code), its errors by exit status and the printed contract.
 */
class PolicyCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger PROJECTS = new AtomicInteger();

    @TempDir
    static Path dir;
    static TestGateway started;
    static Gateway gw;
    static final HttpClient http = HttpClient.newHttpClient();

    record Run(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    /** A fresh project and a key of it, made through the CLI. */
    record Project(String id, String key) {}

    @BeforeAll
    static void start() throws Exception {
        started = TestGateway.builder(dir).demoKey(null).start();
        gw = started.gateway;
    }

    @AfterAll
    static void stop() {
        started.close();
    }

    static Run sluice(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--admin-url", "http://127.0.0.1:" + gw.adminPort(), "--admin-token", gw.adminToken()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static Run ok(String... args) {
        Run r = sluice(args);
        assertThat(r.exit()).as("sluice %s: %s", String.join(" ", args), r.err()).isZero();
        return r;
    }

    static Project project() throws Exception {
        String id = ok("projects", "create", "policy-" + PROJECTS.incrementAndGet(), "--json").json().get("id").asText();
        String key = ok("keys", "create", "--project", id, "--name", "k", "--json").json().get("value").asText();
        return new Project(id, key);
    }

    /** A chat request on the public port: the status and the error code (or "-"). */
    static String chat(String key, String model) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/chat/completions"))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode code = JSON.readTree(r.body()).at("/error/code");
        return r.statusCode() + " " + (code.isMissingNode() || code.isNull() ? "-" : code.asText());
    }

    @Test
    void anIpAllowlistEntryFromTheCliShutsOutOtherAddressesUntilRemoved() throws Exception {
        Project p = project();
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("200 -");

        Run added = ok("ip-allowlist", "add", "10.0.0.0/8", "--project", p.id(), "--json");
        String entry = added.json().get("id").asText();
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("401 ip_not_authorized");
        Run listed = ok("ip-allowlist", "list", "--project", p.id());
        assertThat(listed.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("CIDR");
        assertThat(listed.out()).contains(entry).contains("10.0.0.0/8").contains(p.id());

        assertThat(ok("ip-allowlist", "remove", entry, "--project", p.id()).out()).contains("Removed " + entry);
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("200 -");
        assertThat(ok("ip-allowlist", "list", "--project", p.id()).out()).contains("(none)");
    }

    @Test
    void aMalformedCidrIsRefusedWithTheContractAndChangesNothing() throws Exception {
        Project p = project();
        Run bad = sluice("ip-allowlist", "add", "10.0.0.300/8", "--project", p.id());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err()).contains("status: 400, code: invalid_value, param: cidr").contains("request id: req_");
        assertThat(ok("ip-allowlist", "list", "--project", p.id(), "--json").json().get("data")).isEmpty();
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("200 -");
    }

    @Test
    void theRegionPolicyIsReplacedAndClearedFromTheCli() throws Exception {
        Run set = ok("region-policy", "set", "--global", "kp", "RU");
        assertThat(set.out()).contains("installation").contains("KP,RU");
        assertThat(ok("region-policy", "get", "--global", "--json").json().get("unsupported_countries"))
                .extracting(JsonNode::asText).containsExactly("KP", "RU");
        ok("region-policy", "set", "--global");
        assertThat(ok("region-policy", "get", "--global").out()).contains("(none)");

        Run org = ok("region-policy", "set", "CU");
        assertThat(org.out()).contains(gw.demo().orElseThrow().orgId()).contains("CU");
        Run bad = sluice("region-policy", "set", "Cuba");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("code: invalid_value, param: unsupported_countries[0]");
        assertThat(ok("region-policy", "get", "--json").json().get("unsupported_countries")).extracting(JsonNode::asText)
                .containsExactly("CU");
        ok("region-policy", "set");
    }

    @Test
    void modelAccessFromTheCliLimitsAProjectToTheAllowedModels() throws Exception {
        Project p = project();
        Run set = ok("model-access", "set", "--project", p.id(), "--allowed", "sim-mini");
        assertThat(set.out()).contains(p.id()).contains("sim-mini");
        assertThat(chat(p.key(), "sim-large")).isEqualTo("403 model_not_allowed");
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("200 -");

        Run unknown = sluice("model-access", "set", "--project", p.id(), "--allowed", "gpt-nope");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("param: allowed_models[0]");
        assertThat(ok("model-access", "get", "--project", p.id(), "--json").json().get("allowed_models"))
                .extracting(JsonNode::asText).containsExactly("sim-mini");

        ok("model-access", "set", "--project", p.id(), "--allowed=");
        assertThat(ok("model-access", "get", "--project", p.id()).out()).contains("(any)");
        assertThat(chat(p.key(), "sim-large")).isEqualTo("200 -");

        Run visibleOnProject = sluice("model-access", "set", "--project", p.id(), "--visible", "sim-mini");
        assertThat(visibleOnProject.exit()).isEqualTo(1);
        assertThat(visibleOnProject.err()).contains("--visible is the organization's tier");
    }

    @Test
    void aRateLimitSetFromTheCliIsEnforcedAndReturnsToTheDefault() throws Exception {
        Project p = project();
        Run set = ok("rate-limits", "set", "sim-large", "--project", p.id(), "--rpm", "1");
        assertThat(set.out().lines().findFirst().orElseThrow()).startsWith("MODEL").contains("RPM").contains("TPM");
        assertThat(set.out()).containsPattern("sim-large\\s+1\\s");
        assertThat(chat(p.key(), "sim-large")).isEqualTo("200 -");
        assertThat(chat(p.key(), "sim-large")).isEqualTo("429 rate_limit_exceeded");

        JsonNode listed = ok("rate-limits", "list", "--project", p.id(), "--json").json();
        JsonNode large = null;
        for (JsonNode l : listed.get("data")) if (l.get("id").asText().equals("rl-sim-large")) large = l;
        assertThat(large.get("max_requests_per_1_minute").asLong()).isEqualTo(1);

        JsonNode back = ok("rate-limits", "set", "rl-sim-large", "--project", p.id(), "--rpm", "default", "--json").json();
        assertThat(back.get("max_requests_per_1_minute").asLong()).as("sluice.yaml's project default").isEqualTo(2500);

        Run words = sluice("rate-limits", "set", "sim-large", "--project", p.id(), "--tpm", "lots");
        assertThat(words.exit()).isEqualTo(1);
        assertThat(words.err()).contains("--tpm must be a whole number or 'default', not 'lots'");
        Run family = sluice("rate-limits", "set", "gpt-nope", "--project", p.id(), "--rpm", "5");
        assertThat(family.exit()).isEqualTo(1);
        assertThat(family.err()).contains("status: 404, code: not_found");
        Run orgLevel = ok("rate-limits", "list");
        assertThat(orgLevel.out()).containsPattern("sim-mini\\s+10000\\s");
    }

    @Test
    void aZeroBudgetFromTheCliStopsAProjectWithInsufficientQuotaUntilReset() throws Exception {
        Project p = project();
        Run set = ok("budget", "set", "0", "--project", p.id());
        assertThat(set.out().lines().findFirst().orElseThrow()).startsWith("OWNER").contains("BUDGET");
        assertThat(set.out()).contains(p.id()).contains("$0 (own)").contains("yes");
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("429 insufficient_quota");

        JsonNode reset = ok("budget", "set", "default", "--project", p.id(), "--json").json();
        assertThat(reset.get("monthly_budget_usd").isNull()).isTrue();
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("200 -");

        Run bad = sluice("budget", "set", "ten", "--project", p.id());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("the budget must be an amount in USD");
        Run negative = sluice("budget", "set", "-5", "--project", p.id());
        assertThat(negative.exit()).isEqualTo(1);
        assertThat(negative.err()).contains("code: invalid_value, param: monthly_budget_usd");
    }

    @Test
    void creditsGrantedFromTheCliAreListedAndCountedInTheBudget() throws Exception {
        Project p = project();
        Run granted = ok("credits", "grant", "12.50", "--note", "trial", "--project", p.id());
        assertThat(granted.out()).contains("$12.5").contains("trial").contains(p.id());
        ok("credits", "grant", "0.5", "--project", p.id());
        Run listed = ok("credits", "list", "--project", p.id());
        assertThat(listed.out().lines().filter(l -> l.contains(p.id()))).hasSize(2);
        JsonNode budget = ok("budget", "get", "--project", p.id(), "--json").json();
        assertThat(budget.get("credits_granted_usd").decimalValue()).isEqualByComparingTo("13");
        assertThat(chat(p.key(), "sim-mini")).isEqualTo("200 -");

        Run org = ok("credits", "list");
        assertThat(org.exit()).isZero();
        Run unknown = sluice("credits", "grant", "5", "--project", "proj_nope");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("status: 404, code: not_found");
    }

    @ParameterizedTest
    @CsvSource({"ip-allowlist, list add remove", "region-policy, get set", "model-access, get set",
            "rate-limits, list set", "budget, get set", "credits, list grant"})
    void eachGroupIsListedInTheHelpAndWithoutASubcommandShowsItsOwn(String group, String subcommands) {
        StringWriter out = new StringWriter();
        new CommandLine(new Main()).setOut(new PrintWriter(out)).execute("--help");
        assertThat(out.toString()).contains(group);
        StringWriter err = new StringWriter();
        int code = new CommandLine(new Main()).setErr(new PrintWriter(err)).execute(group);
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Missing subcommand").contains(subcommands.split(" "));
    }
}
