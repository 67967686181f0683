package dev.sluice.gateway.store;

import dev.sluice.protocol.KeyMask;

/**
 * A key just created and its secret: the only moment the secret exists outside the caller's hands. Show it once;
 * {@link #toString()} masks it so it cannot slip into a log.
 */
public record CreatedKey(ApiKey key, String secret) {
    @Override
    public String toString() {
        return "CreatedKey[key=" + key + ", secret=" + KeyMask.mask(secret) + "]";
    }
}
