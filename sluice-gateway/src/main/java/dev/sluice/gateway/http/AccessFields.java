package dev.sluice.gateway.http;

import net.logstash.logback.marker.MapEntriesAppendingMarker;
import tools.jackson.core.JsonGenerator;

import java.util.Map;

/**
 * The fields of one access line, for the JSON encoder: the same marker as {@code Markers.appendEntries(fields)} (the
 * text layout and any logback configuration see no difference), but each value written by its type — string,
 * number, boolean, null — instead of through Jackson databind's serializer lookup per value, which was two thirds
 * of the access-log thread's samples. The bytes are the same (docs/benchmarks.md).
 */
final class AccessFields extends MapEntriesAppendingMarker {
    private final Map<String, Object> fields;

    AccessFields(Map<String, Object> fields) {
        super(fields);
        this.fields = fields;
    }

    @Override
    public void writeTo(JsonGenerator g) {
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            String name = e.getKey();
            switch (e.getValue()) {
                case null -> g.writeNullProperty(name);
                case String s -> g.writeStringProperty(name, s);
                case Long n -> g.writeNumberProperty(name, n.longValue());
                case Integer n -> g.writeNumberProperty(name, n.intValue());
                case Boolean b -> g.writeBooleanProperty(name, b);
                case Object other -> g.writePOJOProperty(name, other);
            }
        }
    }
}
