package dev.sluice.gateway.config;

/** Invalid configuration: the message names the offending key, and start-up stops. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
