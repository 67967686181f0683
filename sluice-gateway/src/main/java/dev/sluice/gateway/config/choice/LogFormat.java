package dev.sluice.gateway.config.choice;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The log line format ({@code log.format}): {@code auto} (text on a terminal, else JSON), {@code json} or {@code text}.
 */
public enum LogFormat implements ConfigChoice {
    AUTO("auto"),
    JSON("json"),
    TEXT("text");

    private final String configName;

    LogFormat(String configName) {
        this.configName = configName;
    }

    @JsonValue
    @Override
    public String configName() {
        return configName;
    }

    @JsonCreator
    public static LogFormat of(String name) {
        return ConfigChoice.parse(LogFormat.class, name);
    }
}
