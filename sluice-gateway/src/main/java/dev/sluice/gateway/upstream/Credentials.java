package dev.sluice.gateway.upstream;

import dev.sluice.gateway.models.Deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a deployment's provider credential comes from: the environment variable {@code api_key_env}, else the file
 * {@code api_key_file} (read once, trimmed). The secret never appears in config, logs or error bodies.
 */
public final class Credentials {
    private static final Map<String, String> FILES = new ConcurrentHashMap<>();
    /** The process's environment: fixed while it runs (System.getenv() is always this one map). */
    private static final Map<String, String> PROCESS_ENV = System.getenv();
    /**
     * The secrets read from {@link #PROCESS_ENV}, by variable: every attempt reads its deployment's, and a lookup in
     * the process environment encodes the name and compares bytes each time. Bounded by the names config gives.
     */
    private static final Map<String, Optional<String>> PROCESS_SECRETS = new ConcurrentHashMap<>();

    /** How a credential is put on the wire. */
    public enum Style {
        /** {@code Authorization: Bearer <secret>} (OpenAI, Azure Entra ID tokens). */
        BEARER,
        /** {@code x-api-key: <secret>} (Anthropic). */
        X_API_KEY,
        /** {@code api-key: <secret>} (Azure OpenAI keys). */
        API_KEY,
        /** {@code x-goog-api-key: <secret>} (Gemini). */
        X_GOOG_API_KEY,
        /** No header: the adapter signs the request itself (Bedrock SigV4) or none is needed. */
        NONE;

        /** Puts {@code secret} in {@code headers} the way this style says; nothing when the secret is blank. */
        public void apply(String secret, Map<String, String> headers) {
            if (secret == null || secret.isBlank()) return;
            switch (this) {
                case BEARER -> headers.put("authorization", "Bearer " + secret);
                case X_API_KEY -> headers.put("x-api-key", secret);
                case API_KEY -> headers.put("api-key", secret);
                case X_GOOG_API_KEY -> headers.put("x-goog-api-key", secret);
                case NONE -> { }
            }
        }
    }

    private Credentials() {}

    /** The deployment's secret, or null when it names none (or the variable is unset). */
    public static String secret(Deployment d, Map<String, String> env) {
        if (d.apiKeyEnv() != null) {
            String v = env == PROCESS_ENV && PROCESS_SECRETS.size() < 10_000
                    ? PROCESS_SECRETS.computeIfAbsent(d.apiKeyEnv(), n -> Optional.ofNullable(fromEnv(env, n)))
                            .orElse(null)
                    : fromEnv(env, d.apiKeyEnv());
            if (v != null) return v;
        }
        if (d.apiKeyFile() != null) return FILES.computeIfAbsent(d.apiKeyFile(), Credentials::read);
        return null;
    }

    /** The variable {@code name} of {@code env} trimmed, or null when it is unset or blank. */
    private static String fromEnv(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank() ? v.strip() : null;
    }

    /** Reads a credential file; start-up calls this so an unreadable file stops it (the message names no secret). */
    public static String read(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read credential file " + file + ": " + e.getClass().getSimpleName(),
                    e);
        }
    }
}
