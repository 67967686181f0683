package dev.sluice.gateway.upstream.bedrock;

import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.upstream.Credentials;
import dev.sluice.protocol.aws.SigV4;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Bedrock deployment's AWS credentials, never from the config file: {@code api_key_env} names a prefix P (default
 * {@code AWS}) and the keys are read from {@code P_ACCESS_KEY_ID}, {@code P_SECRET_ACCESS_KEY} and the optional
 * {@code P_SESSION_TOKEN}; or {@code api_key_file} names a file in the {@code ~/.aws/credentials} style
 * ({@code aws_access_key_id = …}, {@code aws_secret_access_key = …}, {@code aws_session_token = …}; the first value of
 * each counts). The secret is never logged ({@link SigV4.Credentials#toString} masks it).
 */
final class AwsKeys {
    static final String DEFAULT_PREFIX = "AWS";
    private static final Map<String, SigV4.Credentials> FILES = new ConcurrentHashMap<>();

    private AwsKeys() {}

    static Optional<SigV4.Credentials> of(Deployment d, Map<String, String> env) {
        if (d.apiKeyFile() != null && d.apiKeyEnv() == null) {
            return Optional.ofNullable(FILES.computeIfAbsent(d.apiKeyFile(), f -> parse(Credentials.read(f))));
        }
        String p = d.apiKeyEnv() == null ? DEFAULT_PREFIX : d.apiKeyEnv();
        String id = env.get(p + "_ACCESS_KEY_ID");
        String secret = env.get(p + "_SECRET_ACCESS_KEY");
        if (id == null || id.isBlank() || secret == null || secret.isBlank()) return Optional.empty();
        String token = env.get(p + "_SESSION_TOKEN");
        return Optional.of(new SigV4.Credentials(id.strip(), secret.strip(),
                token == null || token.isBlank() ? null : token.strip()));
    }

    /** The keys of a credentials file, or null when it lacks the key id or the secret. */
    static SigV4.Credentials parse(String text) {
        String id = null, secret = null, token = null;
        for (String line : text.split("\\R")) {
            int eq = line.indexOf('=');
            if (eq < 0) continue;
            String k = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String v = line.substring(eq + 1).strip();
            switch (k) {
                case "aws_access_key_id" -> id = id == null ? v : id;
                case "aws_secret_access_key" -> secret = secret == null ? v : secret;
                case "aws_session_token" -> token = token == null ? v : token;
                default -> { }
            }
        }
        return id == null || secret == null ? null : new SigV4.Credentials(id, secret, token);
    }
}
