package dev.sluice.gateway.store;

import dev.sluice.protocol.KeyMask;

/**
 * What the first start seeded, for the launcher to print once. {@code secretGenerated} is false when the secret
 * came from {@code SLUICE_DEMO_KEY}. {@link #toString()} masks the secret.
 */
public record DemoCredentials(String orgId, String projectId, String userId, String keyId, String secret,
                              boolean secretGenerated) {
    @Override
    public String toString() {
        return "DemoCredentials[orgId=" + orgId + ", projectId=" + projectId + ", userId=" + userId + ", keyId=" + keyId
                + ", secret=" + KeyMask.mask(secret) + ", secretGenerated=" + secretGenerated + "]";
    }
}
