package dev.sluice.sim;

import dev.sluice.protocol.aws.SigV4;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sluice's SigV4 signer (sluice-protocol) signs Bedrock requests exactly as the AWS SDK's own signer does: same
 * request, same instant, same Authorization — including model ids whose {@code :} is percent-encoded in the path and
 * temporary credentials with a session token.
 */
class SigV4AgainstSdkSignerTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse, ",
            "/model/sim-mini/converse-stream, ",
            "/model/amazon.titan-embed-text-v2%3A0/invoke, session-token-value"})
    void authorizationMatchesTheAwsSdkSigner(String path, String sessionToken) {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"héllo\"}]}]}";
        Instant at = Instant.parse("2026-11-28T17:00:00Z");
        String host = "bedrock-runtime.eu-west-1.amazonaws.com";
        AwsCredentialsIdentity identity = sessionToken == null
                ? AwsCredentialsIdentity.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
                : AwsSessionCredentialsIdentity.create("ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                sessionToken);
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("https://" + host + path))
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "application/json").build();

        SignedRequest sdk = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(request)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));

        Map<String, String> headers = new LinkedHashMap<>();
        sdk.request().headers().forEach((k, v) -> {
            String n = k.toLowerCase();
            if (!List.of("authorization", "x-amz-date", "x-amz-security-token", "host").contains(n)) {
                headers.put(k, String.join(",", v));
            }
        });
        SigV4.Signature ours = SigV4.sign(new SigV4.Request("POST", host, path, null, headers,
                        body.getBytes(StandardCharsets.UTF_8)),
                new SigV4.Credentials(identity.accessKeyId(), identity.secretAccessKey(), sessionToken),
                "eu-west-1", "bedrock", at);

        assertThat(ours.headers().get("authorization"))
                .isEqualTo(sdk.request().firstMatchingHeader("Authorization").orElseThrow());
        assertThat(ours.headers().get("x-amz-date"))
                .isEqualTo(sdk.request().firstMatchingHeader("X-Amz-Date").orElseThrow());
    }
}
