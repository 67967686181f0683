package dev.sluice.protocol.aws;

import dev.sluice.protocol.Hashes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The signer against AWS's published SigV4 test suite (aws-sig-v4-test-suite) and the documentation's examples. */
class SigV4Test {
    private static final SigV4.Credentials SUITE =
            new SigV4.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static final Instant SUITE_TIME = Instant.parse("2015-08-30T12:36:00Z");
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    static Stream<Arguments> suite() {
        return Stream.of(
                Arguments.of("get-vanilla", "GET", "/", null, Map.of(), "",
                        "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
                Arguments.of("post-vanilla", "POST", "/", null, Map.of(), "",
                        "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
                Arguments.of("get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", Map.of(),
                        "", "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
                Arguments.of("post-x-www-form-urlencoded", "POST", "/", null,
                        Map.of("Content-Type", "application/x-www-form-urlencoded"), "Param1=value1",
                        "content-type;host;x-amz-date",
                        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
                Arguments.of("get-header-value-trim", "GET", "/", null,
                        ordered("My-Header1", " value1", "My-Header2", " \"a   b   c\""), "",
                        "host;my-header1;my-header2;x-amz-date",
                        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
                Arguments.of("get-utf8", "GET", "/\u1234", null, Map.of(), "",
                        "host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("suite")
    void signaturesMatchAwsPublishedTestSuite(String name, String method, String path, String query,
                                              Map<String, String> headers, String body, String signedHeaders,
                                              String signature) {
        SigV4.Signature s = SigV4.sign(new SigV4.Request(method, "example.amazonaws.com", path, query, headers,
                body.getBytes(StandardCharsets.UTF_8)), SUITE, "us-east-1", "service", SUITE_TIME);

        assertThat(s.signature()).isEqualTo(signature);
        assertThat(s.headers()).containsEntry("x-amz-date", "20150830T123600Z")
                .containsEntry("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                        + "aws4_request, SignedHeaders=" + signedHeaders + ", Signature=" + signature);
    }

    @Test
    void getVanillaCanonicalRequestAndStringToSignAreThePublishedOnes() {
        SigV4.Signature s = SigV4.sign(new SigV4.Request("GET", "example.amazonaws.com", "/", null, Map.of(),
                new byte[0]), SUITE, "us-east-1", "service", SUITE_TIME);

        assertThat(s.canonicalRequest()).isEqualTo("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z"
                + "\n\nhost;x-amz-date\n" + EMPTY_SHA256);
        assertThat(s.stringToSign()).isEqualTo("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
                + "aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    }

    @Test
    void signingKeyMatchesTheDocumentationExample() {
        assertThat(Hashes.hex(SigV4.signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1",
                "iam"))).isEqualTo("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    @Test
    void iamListUsersExampleFromTheDocumentationSignsAsPublished() {
        SigV4.Signature s = SigV4.sign(new SigV4.Request("GET", "iam.amazonaws.com", "/",
                "Action=ListUsers&Version=2010-05-08",
                Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), new byte[0]),
                SUITE, "us-east-1", "iam", SUITE_TIME);

        assertThat(Hashes.sha256Hex(s.canonicalRequest().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
        assertThat(s.signature()).isEqualTo("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    }

    @Test
    void encodedPathSegmentsAreEncodedAgainAsNonS3ServicesExpect() {
        assertThat(SigV4.canonicalUri("/model/anthropic.claude-v2%3A1/converse"))
                .isEqualTo("/model/anthropic.claude-v2%253A1/converse");
        assertThat(SigV4.canonicalQuery("b=2&a=x y&a=1&flag")).isEqualTo("a=1&a=x%20y&b=2&flag=");
    }

    @Test
    void sessionTokenIsSentAndSignedButNeverPrinted() {
        SigV4.Credentials temp = new SigV4.Credentials("ASIAEXAMPLE", "secret-value-123", "token-value-456");
        SigV4.Signature s = SigV4.sign(new SigV4.Request("POST", "bedrock-runtime.us-east-1.amazonaws.com",
                "/model/m/converse", null, Map.of("content-type", "application/json"), "{}".getBytes()),
                temp, "us-east-1", "bedrock", SUITE_TIME);

        assertThat(s.headers()).containsEntry("x-amz-security-token", "token-value-456");
        assertThat(s.headers().get("authorization"))
                .contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token")
                .doesNotContain("secret-value-123");
        assertThat(temp.toString()).doesNotContain("secret-value-123").doesNotContain("token-value-456");
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
