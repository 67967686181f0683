package dev.sluice.gateway.store;

import java.time.Instant;
import java.util.Locale;

/** A user's place in an organization; a key whose owner has none in the key's organization stops working. */
public record Membership(String orgId, String userId, Role role, Instant createdAt) {

    /** Organization roles, as in OpenAI's Administration API. */
    public enum Role {
        OWNER, READER;

        /** The stored and wire form: {@code owner}, {@code reader}. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Role of(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }
}
