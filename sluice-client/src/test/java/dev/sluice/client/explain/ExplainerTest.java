package dev.sluice.client.explain;

import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.NextAction;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ExplainerTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String QUOTA_BODY = "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\","
            + "\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}";

    @Test
    void aBareStatusListsEveryCatalogueRowOfItAndTheRuleForRetrying() {
        Explanation e = Explainer.analyze("429", NOW);

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.rows()).contains(ErrorKind.RATE_LIMIT_REQUESTS, ErrorKind.RATE_LIMIT_TOKENS, ErrorKind.INSUFFICIENT_QUOTA);
        assertThat(e.retry().retry()).isTrue();
        assertThat(e.nextAction()).isEqualTo(NextAction.SLOW_DOWN);
        assertThat(e.text())
                .contains("429 Too Many Requests")
                .contains("insufficient_quota / insufficient_quota, x-should-retry: false, next: CHECK_QUOTA")
                .contains(ErrorKind.INSUFFICIENT_QUOTA.condition())
                .contains("never when the type/code is insufficient_quota")
                .contains("0.5 s, 1 s, 2 s")
                .contains(NextAction.SLOW_DOWN.advice())
                .contains(NextAction.CHECK_QUOTA.advice());
    }

    @Test
    void aServerErrorBodyAloneStillGivesTheRequestIdItsMessageNames() {
        String id = "req_0123456789abcdef0123456789abcdef";
        Explanation e = Explainer.analyze("{\"error\":{\"message\":\"The upstream provider returned an invalid response."
                + dev.sluice.protocol.RequestIds.messageSuffix(id) + "\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":\"bad_gateway\"}}", NOW);

        assertThat(e.status()).isEqualTo(502);
        assertThat(e.requestId()).isEqualTo(id);
        assertThat(e.text()).contains("Request id:  " + id);
    }

    @Test
    void anErrorBodyAloneIsMatchedByItsCodeAndSaysNeverRetryAQuotaError() {
        Explanation e = Explainer.analyze(QUOTA_BODY, NOW);

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.rows()).containsExactly(ErrorKind.INSUFFICIENT_QUOTA);
        assertThat(e.retry().retry()).isFalse();
        assertThat(e.nextAction()).isEqualTo(NextAction.CHECK_QUOTA);
        assertThat(e.requestId()).isNull();
        assertThat(e.text())
                .contains("inferred from the error code")
                .contains("Cause:       " + ErrorKind.INSUFFICIENT_QUOTA.condition())
                .contains("Retry:       no — insufficient_quota")
                .contains("Next:        CHECK_QUOTA");
    }

    @Test
    void aSavedRawResponseGivesTheRequestIdTheServersWaitAndTheRateLimitHeaders() {
        String raw = "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 429 Too Many Requests\r\n"
                + "Content-Type: application/json\r\n"
                + "X-Request-Id: req_0123456789abcdef0123456789abcdef\r\n"
                + "x-should-retry: true\r\n"
                + "retry-after: 2\r\n"
                + "retry-after-ms: 1250\r\n"
                + "x-ratelimit-limit-requests: 60\r\n"
                + "x-ratelimit-remaining-requests: 0\r\n"
                + "x-ratelimit-reset-requests: 1.25s\r\n"
                + "\r\n"
                + "{\"error\":{\"message\":\"Rate limit reached for sim-mini in organization org-1 on requests per min (RPM): "
                + "Limit 60, Used 60, Requested 1. Please try again in 1.25s.\",\"type\":\"requests\",\"param\":null,"
                + "\"code\":\"rate_limit_exceeded\"}}\r\n";

        Explanation e = Explainer.analyze(raw, NOW);

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.rows()).containsExactly(ErrorKind.RATE_LIMIT_REQUESTS);
        assertThat(e.requestId()).isEqualTo("req_0123456789abcdef0123456789abcdef");
        assertThat(e.retry().retry()).isTrue();
        assertThat(e.retry().delay()).isEqualTo(Duration.ofMillis(1250));
        assertThat(e.text())
                .contains("Retry:       yes, after 1.25 s (retry-after-ms: 1250")
                .contains("Rate limits: requests 0/60 left, full again in 1.25s")
                .contains("Request id:  req_0123456789abcdef0123456789abcdef")
                .contains(ErrorKind.RATE_LIMIT_REQUESTS.condition())
                .contains("Next:        SLOW_DOWN");
    }

    @Test
    void aRawResponseWithShouldRetryFalseIsNotToBeRetriedWhateverItsStatus() {
        String raw = """
                HTTP/2 503
                x-request-id: req_ffffffffffffffffffffffffffffffff
                x-should-retry: false
                retry-after: 5

                {"error":{"message":"No upstream provider is available for model 'sim-large' right now. Please try again later.","type":"server_error","param":null,"code":"upstream_unavailable"}}
                """;

        Explanation e = Explainer.analyze(raw, NOW);

        assertThat(e.rows()).containsExactly(ErrorKind.UPSTREAM_UNAVAILABLE);
        assertThat(e.retry().retry()).isFalse();
        assertThat(e.text()).contains("no — the server said x-should-retry: false");
    }

    @Test
    void anHttpDateRetryAfterIsReadRelativeToNow() {
        String raw = "HTTP/1.1 503 Service Unavailable\nretry-after: Sun, 01 Mar 2026 12:00:30 GMT\n\n";

        Explanation e = Explainer.analyze(raw, NOW);

        assertThat(e.retry().delay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(e.text()).contains("Body:        empty");
    }

    @Test
    void anHtmlErrorPageIsExplainedByItsStatus() {
        Explanation e = Explainer.analyze("HTTP/1.1 502 Bad Gateway\nContent-Type: text/html\n\n<html><body><h1>502 Bad Gateway</h1></body></html>", NOW);

        assertThat(e.error()).isNull();
        assertThat(e.rows()).containsExactly(ErrorKind.BAD_GATEWAY);
        assertThat(e.nextAction()).isEqualTo(NextAction.RETRY_LATER);
        assertThat(e.text()).contains("not an OpenAI error object").contains("proxy or load balancer");
    }

    @Test
    void aDetailBodyWithoutStatusSaysWhatIsMissing() {
        Explanation e = Explainer.analyze("{\"detail\": \"Not Found\"}", NOW);

        assertThat(e.status()).isNull();
        assertThat(e.error().message()).isEqualTo("Not Found");
        assertThat(e.nextAction()).isEqualTo(NextAction.INSPECT_LOGS);
        assertThat(e.text()).contains("paste the whole response");
    }

    @Test
    void aStatusOutsideTheCatalogueIsSaidToComeFromElsewhere() {
        Explanation e = Explainer.analyze(" 418\n", NOW);

        assertThat(e.rows()).isEmpty();
        assertThat(e.nextAction()).isEqualTo(NextAction.INSPECT_LOGS);
        assertThat(e.text()).contains("no Sluice error answers 418");
    }

    @Test
    void explainReturnsTheSameTextAsAnalyze() {
        assertThat(Explainer.explain("401")).isEqualTo(Explainer.analyze("401", NOW).text()).contains("FIX_ACCESS");
    }
}
