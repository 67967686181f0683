package dev.sluice.gateway.config.choice;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * HTTP/2 towards an upstream ({@code upstream_pool.http2}, per deployment): {@code auto} (ALPN over TLS), {@code h2c}
 * (prior knowledge, cleartext) or {@code off}.
 */
public enum Http2Mode implements ConfigChoice {
    AUTO("auto"),
    H2C("h2c"),
    OFF("off");

    private final String configName;

    Http2Mode(String configName) {
        this.configName = configName;
    }

    @JsonValue
    @Override
    public String configName() {
        return configName;
    }

    @JsonCreator
    public static Http2Mode of(String name) {
        return ConfigChoice.parse(Http2Mode.class, name);
    }
}
