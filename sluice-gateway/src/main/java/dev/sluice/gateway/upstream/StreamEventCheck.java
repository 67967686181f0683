package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.protocol.SseEvent;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;

/**
 * What one upstream stream event is for the caller of an endpoint, decided before a byte of it is relayed: a valid
 * event of that endpoint (chat: a JSON object with a {@code choices} array, or {@code [DONE]}; Responses: a JSON object
 * with a {@code type}), the upstream's own error, a harmless event that is not the endpoint's (no data, blank data, a
 * JSON object without {@code choices} / {@code type}, such as a keep-alive) which is dropped, or junk (not a JSON
 * object) which breaks the stream and never reaches the caller.
 */
enum StreamEventCheck {
    RELAY, UPSTREAM_ERROR, SKIP, INVALID;

    /**
     * Decided in one streaming pass over the event's JSON ({@link AnswerScan#fields}): the top-level {@code error},
     * {@code choices} and {@code type} are looked at and every other value is skipped token by token (still checked to
     * be well-formed JSON), so no tree is built per event — this runs for every token of every stream. Same verdicts
     * as reading the whole tree: the first JSON value counts and what follows it is ignored, a key given twice keeps
     * its last value.
     */
    static StreamEventCheck of(Endpoint endpoint, SseEvent ev) {
        return of(endpoint, ev, null);
    }

    /**
     * {@link #of(Endpoint, SseEvent)} of an event that may come with its {@code wire} form
     * ({@link StreamTranslator.Event#wire()}): the data is then read from those bytes, where it already is in UTF-8.
     */
    static StreamEventCheck of(Endpoint endpoint, SseEvent ev, Buffer wire) {
        if ("error".equals(ev.event()) || "response.failed".equals(ev.event())) return UPSTREAM_ERROR;
        String data = ev.data();
        if (data == null || data.isBlank()) return SKIP;
        if (ev.isDone()) return endpoint == Endpoint.CHAT_COMPLETIONS ? RELAY : SKIP;
        EventScan.Fields seen = wire != null && ev.event() == null ? wireFields(wire, data) : jacksonFields(data);
        if (seen == null) return INVALID;
        if (seen.errorNotNull && !seen.hasChoices && !seen.hasType) return UPSTREAM_ERROR;
        if (seen.typeKind == EventScan.Fields.TYPE_ERROR || seen.typeKind == EventScan.Fields.TYPE_FAILED) {
            return UPSTREAM_ERROR;
        }
        if (endpoint == Endpoint.RESPONSES) return seen.typeKind != EventScan.Fields.NO_TEXT ? RELAY : SKIP;
        return seen.choicesArray ? RELAY : SKIP;
    }

    /** The fields Jackson's pass over the text sees; null when it is not a JSON object. */
    private static EventScan.Fields jacksonFields(String data) {
        Seen seen = new Seen();
        return AnswerScan.fields(data, seen) ? seen : null;
    }

    /**
     * The fields of the data of a one-line data event's wire form, {@code data: <json>\n\n}: by {@link EventScan},
     * or by Jackson over its text ({@code data}) where it is not sure; null when it is not a JSON object.
     */
    private static EventScan.Fields wireFields(Buffer wire, String data) {
        ByteBuf b = ((BufferInternal) wire).getByteBuf();
        int from = b.readerIndex() + SseRelay.DATA.length;
        int to = b.writerIndex() - 2;
        byte[] json;
        if (b.hasArray()) {
            json = b.array();
            from += b.arrayOffset();
            to += b.arrayOffset();
        } else {
            json = new byte[to - from];
            b.getBytes(from, json);
            from = 0;
            to = json.length;
        }
        EventScan.Fields f = new EventScan.Fields();
        int verdict = EventScan.scan(json, from, to, f);
        if (verdict == EventScan.UNSURE) return jacksonFields(data);
        return verdict == EventScan.VALID ? f : null;
    }

    /** Jackson's reader of the fields that decide an event (a key given twice: its last value). */
    private static final class Seen extends EventScan.Fields implements AnswerScan.FieldVisitor {
        @Override
        public void field(String name, JsonToken value, JsonParser p) throws IOException {
            switch (name) {
                case "error" -> errorNotNull = value != JsonToken.VALUE_NULL;
                case "choices" -> {
                    hasChoices = true;
                    choicesArray = value == JsonToken.START_ARRAY;
                }
                case "type" -> {
                    hasType = true;
                    typeKind = value != JsonToken.VALUE_STRING ? NO_TEXT
                            : switch (p.getText()) {
                                case "error" -> TYPE_ERROR;
                                case "response.failed" -> TYPE_FAILED;
                                default -> TYPE_OTHER;
                            };
                }
                default -> { }
            }
        }
    }
}
