package dev.sluice.gateway.batch;

import dev.sluice.gateway.store.ApiKeys;
import dev.sluice.gateway.store.CreatedKey;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.Settings;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

/**
 * The API key each batch's lines are sent with: an ordinary key of the creator's project, named
 * {@code batch <batch_id>}, scoped to model requests and expiring after the batch, whose secret is
 * HMAC-SHA256(server secret, batch id). The secret is never stored anywhere: after a crash the runner derives it
 * again from the batch id and the server secret (generated once, kept in the settings table).
 */
final class BatchKeys {
    static final String SERVER_SECRET_SETTING = "batch.key_secret";
    static final String SCOPE = "model.request";
    /** The key outlives the batch's window by this much, so lines in flight at expiry still authenticate. */
    static final Duration GRACE = Duration.ofHours(1);

    private final Settings settings;
    private final ApiKeys keys;
    private volatile byte[] serverSecret;

    BatchKeys(Settings settings, ApiKeys keys) {
        this.settings = settings;
        this.keys = keys;
    }

    /** Creates the batch's key (call inside the transaction that inserts the batch). */
    CreatedKey mint(String projectId, String batchId, Instant batchExpiresAt) {
        KeySpec spec = KeySpec.unowned(projectId, "batch " + batchId).withScopes(Set.of(SCOPE))
                .withExpiry(batchExpiresAt.plus(GRACE));
        return keys.createWithSecret(spec, secret(batchId));
    }

    /** The secret of the batch's key, derived again (blocking on first use: reads the server secret). */
    String secret(String batchId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(serverSecret(), "HmacSHA256"));
            byte[] sig = mac.doFinal(batchId.getBytes(StandardCharsets.UTF_8));
            return ApiKeys.PROJECT_KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    void revoke(String keyId, Instant at) {
        if (keyId != null) keys.revoke(keyId, at);
    }

    private byte[] serverSecret() {
        byte[] s = serverSecret;
        if (s != null) return s;
        synchronized (this) {
            if (serverSecret == null) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                settings.putIfAbsent(SERVER_SECRET_SETTING, Base64.getEncoder().encodeToString(fresh));
                String stored = settings.get(SERVER_SECRET_SETTING)
                        .orElseThrow(() -> new IllegalStateException("batch key secret missing"));
                serverSecret = Base64.getDecoder().decode(stored);
            }
            return serverSecret;
        }
    }
}
