package dev.sluice.gateway.config.choice;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where shared counters and records live: {@code memory} (one process) or {@code redis} (the one Redis connection;
 * {@code limits.store}, {@code idempotency.backend}).
 */
public enum StoreBackend implements ConfigChoice {
    MEMORY("memory"),
    REDIS("redis");

    private final String configName;

    StoreBackend(String configName) {
        this.configName = configName;
    }

    @JsonValue
    @Override
    public String configName() {
        return configName;
    }

    @JsonCreator
    public static StoreBackend of(String name) {
        return ConfigChoice.parse(StoreBackend.class, name);
    }
}
