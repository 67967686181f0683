package dev.sluice.gateway.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.gateway.store.LineResult;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The lines of a batch's output and error files, as OpenAI writes them:
 * {@code {id, custom_id, response:{status_code, request_id, body}, error}}. A 2xx answer goes to the output file;
 * any other answer goes to the error file with its status and error body; a line that never ran
 * ({@code batch_expired}, {@code batch_cancelled}) has {@code response: null} and {@code error: {code, message}}.
 */
final class ResultLines {
    static final String EXPIRED = "batch_expired";
    static final String EXPIRED_MESSAGE = "This request could not be executed before the completion window expired.";
    static final String CANCELLED = "batch_cancelled";
    static final String CANCELLED_MESSAGE = "This request was not executed because the batch was cancelled.";
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private ResultLines() {}

    /** The result of an answered line. */
    static LineResult answered(String customId, int lineNo, LoopbackClient.Answer a) {
        ObjectNode line = start(customId);
        ObjectNode response = line.putObject("response");
        response.put("status_code", a.status());
        if (a.requestId() == null) response.putNull("request_id");
        else response.put("request_id", a.requestId());
        response.set("body", body(a));
        line.putNull("error");
        boolean ok = a.status() >= 200 && a.status() < 300;
        return new LineResult(customId, lineNo, ok, line.toString());
    }

    /** The result of a line that got no answer: {@code error: {code, message}}. */
    static LineResult unanswered(String customId, int lineNo, String code, String message) {
        ObjectNode line = start(customId);
        line.putNull("response");
        ObjectNode error = line.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return new LineResult(customId, lineNo, false, line.toString());
    }

    private static ObjectNode start(String customId) {
        ObjectNode line = InputLines.JSON.createObjectNode();
        line.put("id", "batch_req_" + random(24));
        line.put("custom_id", customId);
        return line;
    }

    private static JsonNode body(LoopbackClient.Answer a) {
        String text = a.body() == null ? "" : a.body().toString(java.nio.charset.StandardCharsets.UTF_8);
        try {
            JsonNode n = InputLines.JSON.readTree(text);
            if (n != null && !n.isMissingNode()) return n;
        } catch (Exception notJson) {
            // kept as text below (e.g. a line that asked for a stream)
        }
        return TextNode.valueOf(text);
    }

    private static String random(int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[n];
        for (int i = 0; i < n; i++) out[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        return new String(out);
    }
}
