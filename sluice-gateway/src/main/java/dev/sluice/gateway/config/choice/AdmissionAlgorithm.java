package dev.sluice.gateway.config.choice;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The admission-control limit algorithm ({@code overload.algorithm}). */
public enum AdmissionAlgorithm implements ConfigChoice {
    GRADIENT2("gradient2"),
    VEGAS("vegas"),
    FIXED("fixed");

    private final String configName;

    AdmissionAlgorithm(String configName) {
        this.configName = configName;
    }

    @JsonValue
    @Override
    public String configName() {
        return configName;
    }

    @JsonCreator
    public static AdmissionAlgorithm of(String name) {
        return ConfigChoice.parse(AdmissionAlgorithm.class, name);
    }
}
