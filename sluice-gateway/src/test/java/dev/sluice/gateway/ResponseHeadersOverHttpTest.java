package dev.sluice.gateway;

import dev.sluice.gateway.TrafficHarness.Store;
import dev.sluice.testing.FakeTime;
import dev.sluice.testing.ScriptedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole header block of a model answer and of a rate-limit refusal over real HTTP/1.1, name by name in the order
 * they are written: the contract headers, the stages' headers (key owner, rate limits, attempts) and the refusal's
 * retry headers. Values that change per request are matched by their form.
 */
class ResponseHeadersOverHttpTest {
    @TempDir
    Path dir;

    private final FakeTime clock = FakeTime.at("2026-03-10T12:00:00Z");

    private static final String REQUEST_ID = "req_[0-9a-f]{32}";
    private static final String MS = "[0-9]+";

    @Test
    void aModelAnswerAndARateLimitRefusalCarryExactlyTheirHeaders() throws Exception {
        String limits = "  defaults:\n    sim-mini:\n      project: {rpm: 1, tpm: 100000}\n";
        try (TestGateway gw = TestGateway.builder(dir).config(Store.MEMORY.yaml(limits) + TrafficHarness.ONLY_LIMITS)
                .clock(clock).start()) {
            String body = TestGateway.chat("sim-mini", "\"max_tokens\":16");
            String request = "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer "
                    + TestGateway.DEMO_KEY + "\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.length() + "\r\n\r\n" + body;
            String org = TrafficHarness.orgId(gw);
            String project = TrafficHarness.projectId(gw);

            RawHttp.Response ok = RawHttp.exchange(gw.gateway.port(), request, 20_000);
            assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertHeaders(ok, true, List.of(
                    Map.entry("content-type", "application/json"),
                    Map.entry("content-length", Integer.toString(ok.body().getBytes(
                            java.nio.charset.StandardCharsets.UTF_8).length)),
                    Map.entry("x-request-id", REQUEST_ID),
                    Map.entry("openai-version", "2020-10-01"),
                    Map.entry("openai-processing-ms", MS),
                    Map.entry("openai-organization", org),
                    Map.entry("openai-project", project),
                    Map.entry("x-ratelimit-limit-requests", "1"),
                    Map.entry("x-ratelimit-remaining-requests", "0"),
                    Map.entry("x-ratelimit-reset-requests", "1m0s"),
                    Map.entry("x-ratelimit-limit-tokens", "100000"),
                    Map.entry("x-ratelimit-remaining-tokens", MS),
                    Map.entry("x-ratelimit-reset-tokens", "[0-9]+ms"),
                    Map.entry("x-sluice-attempts", "1"),
                    Map.entry("x-upstream-request-id", REQUEST_ID)));

            RawHttp.Response refused = RawHttp.exchange(gw.gateway.port(), request, 20_000);
            RawHttp.assertContract(refused, 429, "rate_limit_exceeded", true);
            // the refusal's own headers come from a Map.of (no order of its own): the names, in any order
            assertHeaders(refused, false, List.of(
                    Map.entry("content-type", "application/json"),
                    Map.entry("x-should-retry", "true"),
                    Map.entry("retry-after", "60"),
                    Map.entry("retry-after-ms", "60000"),
                    Map.entry("content-length", Integer.toString(refused.body().length())),
                    Map.entry("x-request-id", REQUEST_ID),
                    Map.entry("openai-version", "2020-10-01"),
                    Map.entry("openai-processing-ms", MS),
                    Map.entry("openai-organization", org),
                    Map.entry("openai-project", project),
                    Map.entry("x-ratelimit-limit-requests", "1"),
                    Map.entry("x-ratelimit-remaining-requests", "0"),
                    Map.entry("x-ratelimit-reset-requests", "1m0s"),
                    Map.entry("x-ratelimit-limit-tokens", "100000"),
                    Map.entry("x-ratelimit-remaining-tokens", MS),
                    Map.entry("x-ratelimit-reset-tokens", "[0-9]+ms")));
        }
    }

    /**
     * An OpenAI-compatible upstream over HTTP/1.1 (the simulator above answers over h2c): its request id and its own
     * rate limits, tighter than Sluice's, reach the caller in the answer's header block, and its body reaches the
     * caller byte for byte (odd spacing, escapes and all).
     */
    @Test
    void anHttp11UpstreamsRequestIdAndTighterLimitsReachTheCallerWithItsBodyByteForByte() throws Exception {
        String upstreamBody = "{\"id\":\"chatcmpl-9\", \"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"h\\u00e9llo \\\"you\\\"\"},"
                + "\"finish_reason\":\"stop\"}],\n\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,"
                + "\"total_tokens\":11}}  ";
        try (ScriptedServer provider = ScriptedServer.start().route(r -> ScriptedServer.Reply.text(200,
                "application/json", upstreamBody).header("x-request-id", "req_up_7")
                .header("x-ratelimit-limit-requests", "50").header("x-ratelimit-remaining-requests", "3")
                .header("x-ratelimit-reset-requests", "20s").header("x-ratelimit-limit-tokens", "40000")
                .header("x-ratelimit-remaining-tokens", "39000").header("x-ratelimit-reset-tokens", "1.5s"))) {
            String limits = "  defaults:\n    up-h1:\n      project: {rpm: 1000, tpm: 1000000}\n";
            String models = "models:\n" + UpstreamMappingTest.model("up-h1", "openai", provider.origin() + "/v1");
            try (TestGateway gw = TestGateway.builder(dir).config(Store.MEMORY.yaml(limits) + TrafficHarness.ONLY_LIMITS
                    + models).clock(clock).start()) {
                String body = TestGateway.chat("up-h1", "\"max_tokens\":16");
                String request = "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer "
                        + TestGateway.DEMO_KEY + "\r\ncontent-type: application/json\r\ncontent-length: "
                        + body.length() + "\r\n\r\n" + body;
                RawHttp.Response ok = RawHttp.exchange(gw.gateway.port(), request, 20_000);
                assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
                assertThat(ok.body()).isEqualTo(upstreamBody);
                assertHeaders(ok, true, List.of(
                        Map.entry("content-type", "application/json"),
                        Map.entry("content-length", Integer.toString(upstreamBody.length())),
                        Map.entry("x-request-id", REQUEST_ID),
                        Map.entry("openai-version", "2020-10-01"),
                        Map.entry("openai-processing-ms", MS),
                        Map.entry("openai-organization", TrafficHarness.orgId(gw)),
                        Map.entry("openai-project", TrafficHarness.projectId(gw)),
                        // the provider's tighter limits replace Sluice's, after the headers set until then
                        Map.entry("x-sluice-attempts", "1"),
                        Map.entry("x-upstream-request-id", "req_up_7"),
                        Map.entry("x-ratelimit-limit-requests", "50"),
                        Map.entry("x-ratelimit-remaining-requests", "3"),
                        Map.entry("x-ratelimit-reset-requests", "20s"),
                        Map.entry("x-ratelimit-limit-tokens", "40000"),
                        Map.entry("x-ratelimit-remaining-tokens", "39000"),
                        Map.entry("x-ratelimit-reset-tokens", "1.5s")));
            }
        }
    }

    /** The answer's headers are exactly {@code expected} (in order if asked); each value matches its pattern. */
    private static void assertHeaders(RawHttp.Response r, boolean inOrder, List<Map.Entry<String, String>> expected) {
        List<String> names = new ArrayList<>(r.headers().keySet());
        List<String> want = expected.stream().map(Map.Entry::getKey).toList();
        if (inOrder) assertThat(names).as("header names of %s", r.headers()).containsExactlyElementsOf(want);
        else assertThat(names).as("header names of %s", r.headers()).containsExactlyInAnyOrderElementsOf(want);
        for (Map.Entry<String, String> e : expected) {
            assertThat(r.header(e.getKey())).as(e.getKey()).matches(e.getValue());
        }
    }
}
