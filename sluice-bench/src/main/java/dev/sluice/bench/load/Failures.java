package dev.sluice.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Names a failed request the way the table counts it: by status and error code, or by the kind of I/O failure. */
public final class Failures {
    private static final ObjectMapper JSON = Json.MAPPER;

    private Failures() {
    }

    /** {@code "503 server_overloaded"}, {@code "504 upstream_timeout"}, or just the status when the body has no code. */
    public static String http(int status, String body) {
        try {
            JsonNode error = JSON.readTree(body == null ? "" : body).path("error");
            String code = error.path("code").asText("");
            if (code.isEmpty()) code = error.path("type").asText("");
            return code.isEmpty() ? String.valueOf(status) : status + " " + code;
        } catch (Exception e) {
            return String.valueOf(status);
        }
    }

    /** An I/O failure: the exception's message, with the cases a load run hits spelled out. */
    public static String io(Throwable t) {
        String message = String.valueOf(t.getMessage());
        if (message.contains("Too many open files")) return "too many open files (file-descriptor limit reached)";
        if (message.contains("Connection refused")) return "connection refused";
        if (message.contains("Connection reset")) return "connection reset";
        if (t.getClass().getSimpleName().contains("Timeout") || message.toLowerCase().contains("timeout")) {
            return "client timeout";
        }
        if (message.contains("Connection was closed") || message.contains("closed")) return "connection closed";
        return t.getClass().getSimpleName() + ": " + (message.length() > 80 ? message.substring(0, 80) : message);
    }
}
