package dev.sluice.gateway.store;

import java.time.Instant;
import java.util.Locale;

/** The unit keys, limits and budgets attach to. An archived project keeps its history but its keys stop working. */
public record Project(String id, String orgId, String name, Status status, Instant createdAt, Instant archivedAt) {

    public enum Status {
        ACTIVE, ARCHIVED;

        /** The stored and wire form: {@code active}, {@code archived}. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Status of(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }
}
