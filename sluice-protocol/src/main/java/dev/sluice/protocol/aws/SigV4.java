package dev.sluice.protocol.aws;

import dev.sluice.protocol.Hashes;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * AWS Signature Version 4 for requests with a body in hand (header-based, not presigned URLs), as AWS's
 * {@code aws-sig-v4-test-suite} describes it: canonical request, string to sign, HMAC chain over date, region and
 * service. {@link #sign} returns the headers to add ({@code x-amz-date}, {@code authorization}, and
 * {@code x-amz-security-token} for temporary credentials). Stateless and thread-safe; the instant is passed in.
 *
 * <p>The path is given as it goes on the wire (already percent-encoded); each segment is encoded once more, which is
 * what every AWS service except S3 expects (Bedrock model ids with {@code :} are sent as {@code %3A} and signed as
 * {@code %253A}).
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** AWS credentials; {@code sessionToken} null for long-term keys. {@link #toString} never shows the secret. */
    public record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
        public Credentials {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        }

        @Override
        public String toString() {
            return "Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=***"
                    + (sessionToken == null ? "" : ", sessionToken=***") + "]";
        }
    }

    /** One request to sign: {@code path} as sent (percent-encoded), {@code query} raw from the URL or null. */
    public record Request(String method, String host, String path, String query, Map<String, String> headers,
                          byte[] body) {}

    /** The intermediate texts, for tests and for explaining a signature mismatch. */
    public record Signature(String canonicalRequest, String stringToSign, String signature,
                            Map<String, String> headers) {}

    private SigV4() {}

    /** Signs {@code req}: the returned {@link Signature#headers()} are to be added to the request. */
    public static Signature sign(Request req, Credentials creds, String region, String service, Instant at) {
        String amzDate = AMZ_DATE.format(at);
        String date = amzDate.substring(0, 8);
        Map<String, String> added = new LinkedHashMap<>();
        added.put("x-amz-date", amzDate);
        if (creds.sessionToken() != null && !creds.sessionToken().isBlank()) {
            added.put("x-amz-security-token", creds.sessionToken());
        }
        TreeMap<String, String> canonicalHeaders = new TreeMap<>();
        canonicalHeaders.put("host", trimAll(req.host()));
        req.headers().forEach((k, v) -> canonicalHeaders.merge(k.toLowerCase(Locale.ROOT), trimAll(v),
                (a, b) -> a + "," + b));
        added.forEach(canonicalHeaders::put);
        String signedHeaders = String.join(";", canonicalHeaders.keySet());
        StringBuilder cr = new StringBuilder();
        cr.append(req.method().toUpperCase(Locale.ROOT)).append('\n')
                .append(canonicalUri(req.path())).append('\n')
                .append(canonicalQuery(req.query())).append('\n');
        canonicalHeaders.forEach((k, v) -> cr.append(k).append(':').append(v).append('\n'));
        cr.append('\n').append(signedHeaders).append('\n').append(Hashes.sha256Hex(req.body() == null ? new byte[0]
                : req.body()));
        String canonicalRequest = cr.toString();
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + Hashes.sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
        byte[] key = signingKey(creds.secretAccessKey(), date, region, service);
        String signature = Hashes.hex(hmac(key, stringToSign));
        added.put("authorization", ALGORITHM + " Credential=" + creds.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
        return new Signature(canonicalRequest, stringToSign, signature, added);
    }

    /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
    public static byte[] signingKey(String secret, String date, String region, String service) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, "aws4_request");
    }

    /** Each path segment URI-encoded (RFC 3986 unreserved characters kept); empty path → {@code /}. */
    static String canonicalUri(String path) {
        if (path == null || path.isEmpty()) return "/";
        StringBuilder sb = new StringBuilder(path.length() + 16);
        int start = 0;
        while (start <= path.length()) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            sb.append(encode(path.substring(start, end)));
            if (slash < 0) break;
            sb.append('/');
            start = slash + 1;
        }
        return sb.toString();
    }

    /** Parameters sorted by encoded name then value, each encoded; a name without {@code =} gets an empty value. */
    static String canonicalQuery(String query) {
        if (query == null || query.isEmpty()) return "";
        List<String[]> params = new ArrayList<>();
        for (String part : query.split("&")) {
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            params.add(new String[] {encode(decode(name)), encode(decode(value))});
        }
        params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder sb = new StringBuilder();
        for (String[] p : params) {
            if (!sb.isEmpty()) sb.append('&');
            sb.append(p[0]).append('=').append(p[1]);
        }
        return sb.toString();
    }

    /** RFC 3986 percent-encoding of UTF-8 bytes: {@code A-Z a-z 0-9 - _ . ~} stay, everything else is %XX. */
    public static String encode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    /** Percent-decoding (no {@code +} to space: that is form encoding, not URI encoding). */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) return s;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.write(Integer.parseInt(s, i + 1, i + 3, 16));
                i += 3;
            } else {
                int next = s.indexOf('%', i + 1);
                int end = next < 0 ? s.length() : next;
                out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Leading/trailing space removed and inner runs of spaces collapsed to one, as the canonical form requires. */
    private static String trimAll(String v) {
        return v == null ? "" : v.strip().replaceAll(" +", " ");
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
