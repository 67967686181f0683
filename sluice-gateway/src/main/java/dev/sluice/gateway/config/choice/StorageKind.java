package dev.sluice.gateway.config.choice;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The database ({@code storage.kind}): {@code sqlite} (embedded) or {@code postgres} (scale-out). */
public enum StorageKind implements ConfigChoice {
    SQLITE("sqlite"),
    POSTGRES("postgres");

    private final String configName;

    StorageKind(String configName) {
        this.configName = configName;
    }

    @JsonValue
    @Override
    public String configName() {
        return configName;
    }

    @JsonCreator
    public static StorageKind of(String name) {
        return ConfigChoice.parse(StorageKind.class, name);
    }
}
