package dev.sluice.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Follows one server-sent-event stream as its bytes arrive in arbitrary pieces: counts {@code data:} events, notices
 * the closing {@code data: [DONE]} and an in-band error event ({@code data: {"error": {"code": ...}}}, whose code it
 * keeps). Works on bytes without decoding ordinary events: ten thousand streams at 20 events/s each pass through one
 * client.
 */
public final class SseScanner {
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "{\"error\"".getBytes(StandardCharsets.US_ASCII);

    private byte[] line = new byte[512];
    private int length;
    private long events;
    private boolean done;
    private String errorCode;

    public void feed(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\n') {
                line();
                length = 0;
            } else {
                if (length == line.length) line = Arrays.copyOf(line, line.length * 2);
                line[length++] = b;
            }
        }
    }

    private void line() {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        if (!startsWith(0, end, DATA)) return;
        int from = DATA.length;
        while (from < end && line[from] == ' ') from++;
        events++;
        if (end - from == DONE.length && startsWith(from, end, DONE)) {
            done = true;
        } else if (errorCode == null && startsWith(from, end, ERROR)) {
            errorCode = errorCode(new String(line, from, end - from, StandardCharsets.UTF_8));
        }
    }

    private boolean startsWith(int from, int end, byte[] prefix) {
        if (end - from < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) {
            if (line[from + i] != prefix[i]) return false;
        }
        return true;
    }

    private static String errorCode(String data) {
        try {
            JsonNode error = JSON.readTree(data).path("error");
            if (error.isMissingNode() || error.isNull()) return null;
            String code = error.path("code").asText("");
            return code.isEmpty() ? error.path("type").asText("error") : code;
        } catch (Exception e) {
            return "unreadable error event";
        }
    }

    /** {@code data:} events seen, {@code [DONE]} included. */
    public long events() {
        return events;
    }

    public boolean done() {
        return done;
    }

    /** The code of the first in-band error event, or null. */
    public String errorCode() {
        return errorCode;
    }
}
