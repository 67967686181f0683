package dev.sluice.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;

/**
 * Follows one server-sent-event stream as its bytes arrive in arbitrary pieces: counts {@code data:} events, notices
 * the closing {@code data: [DONE]} and an in-band error event ({@code {"error": {"code": ...}}}, whose code it keeps).
 */
public final class SseScanner {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringBuilder pending = new StringBuilder();
    private long events;
    private boolean done;
    private String errorCode;

    public void feed(byte[] bytes) {
        pending.append(new String(bytes, StandardCharsets.UTF_8));
        int start = 0;
        for (int nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n", start)) {
            line(pending.substring(start, nl));
            start = nl + 1;
        }
        pending.delete(0, start);
    }

    private void line(String raw) {
        String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        if (!line.startsWith("data:")) return;
        String data = line.substring(5).strip();
        events++;
        if (data.equals("[DONE]")) {
            done = true;
        } else if (errorCode == null && data.contains("\"error\"")) {
            errorCode = errorCode(data);
        }
    }

    private static String errorCode(String data) {
        try {
            JsonNode error = JSON.readTree(data).path("error");
            if (error.isMissingNode() || error.isNull()) return null;
            String code = error.path("code").asText("");
            return code.isEmpty() ? error.path("type").asText("error") : code;
        } catch (Exception e) {
            return null;
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
