package dev.sluice.gateway.json;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The gateway's Jackson mappers, one per format: {@link #MAPPER} for every JSON body, record, stream event and stored
 * document, {@link #CONFIG} for sluice.yaml. Both are configured once here and never reconfigured (Jackson mappers
 * are thread-safe once configured); a class that wants a short name keeps a {@code JSON = Json.MAPPER} alias.
 */
public final class Json {
    /**
     * Jackson's defaults, except that a bean with no properties writes as {@code {}} instead of failing (the admin
     * API relied on that; nothing else serializes empty beans, so no other answer changes).
     */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /**
     * sluice.yaml: snake_case keys, unknown keys and nulls for primitives refused. Also used to turn a loaded
     * config back into a tree (reload diffs) so both sides name keys the same way.
     */
    public static final ObjectMapper CONFIG = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private Json() {}
}
