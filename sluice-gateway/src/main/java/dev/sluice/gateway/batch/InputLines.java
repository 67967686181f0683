package dev.sluice.gateway.batch;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Reads a batch input file one line at a time (never the whole file): each non-blank line with its 1-based line
 * number and, when it is a JSON object, the parsed object.
 */
final class InputLines {
    static final ObjectMapper JSON = Json.MAPPER;

    /** One non-blank line; {@code json} is null when the line is not a JSON object. */
    record Line(int number, String text, JsonNode json) {
        String customId() {
            JsonNode id = json == null ? null : json.get("custom_id");
            return id != null && id.isTextual() ? id.asText() : null;
        }
    }

    private InputLines() {}

    /** Calls {@code each} for every non-blank line until it returns false. */
    static void forEach(Path file, Predicate<Line> each) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int number = 0;
            while ((text = in.readLine()) != null) {
                number++;
                if (text.isBlank()) continue;
                JsonNode json;
                try {
                    json = JSON.readTree(text);
                } catch (IOException e) {
                    json = null;
                }
                if (json != null && !json.isObject()) json = null;
                if (!each.test(new Line(number, text, json))) return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
