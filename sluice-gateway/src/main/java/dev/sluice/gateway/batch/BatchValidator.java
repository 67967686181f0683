package dev.sluice.gateway.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.store.BatchRecord.LineError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a batch's input file before any line runs, as OpenAI does: every line a JSON object with a unique string
 * {@code custom_id}, {@code method} POST, the batch's {@code url}, a {@code body} object whose {@code model} is in
 * the catalogue; at least one line and at most {@code maxTasks}. Errors carry their 1-based line number.
 */
final class BatchValidator {
    /** At most this many errors are reported; the file is still read to the end for the counts. */
    static final int MAX_ERRORS = 100;

    /** The outcome: the number of lines to run, or the errors that fail the batch. */
    record Result(int total, List<LineError> errors) {
        boolean ok() {
            return errors.isEmpty();
        }
    }

    private final ModelCatalog catalog;
    private final int maxTasks;

    BatchValidator(ModelCatalog catalog, int maxTasks) {
        this.catalog = catalog;
        this.maxTasks = maxTasks;
    }

    Result validate(Path input, String endpoint) {
        List<LineError> errors = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int[] total = {0};
        InputLines.forEach(input, line -> {
            total[0]++;
            if (total[0] > maxTasks) {
                errors.add(new LineError("too_many_tasks", "The batch has more than " + maxTasks
                        + " requests, the limit per batch.", null, null));
                return false;
            }
            LineError e = check(line, endpoint, ids);
            if (e != null && errors.size() < MAX_ERRORS) errors.add(e);
            return true;
        });
        if (total[0] == 0) errors.add(new LineError("empty_file", "The input file has no requests.", null, null));
        return new Result(total[0], errors);
    }

    private LineError check(InputLines.Line line, String endpoint, Set<String> ids) {
        int n = line.number();
        if (line.json() == null) {
            return new LineError("invalid_json_line", "Line " + n + " is not a valid JSON object.", null, n);
        }
        JsonNode id = line.json().get("custom_id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            return new LineError("missing_custom_id", "Line " + n + " has no custom_id; every request needs a"
                    + " unique string custom_id to match it with its result.", "custom_id", n);
        }
        if (!ids.add(id.asText())) {
            return new LineError("duplicate_custom_id", "Line " + n + " repeats custom_id '" + id.asText()
                    + "'; custom_ids must be unique within a batch.", "custom_id", n);
        }
        JsonNode method = line.json().get("method");
        if (method == null || !"POST".equals(method.asText())) {
            return new LineError("invalid_method", "Line " + n + " has method " + (method == null ? "missing"
                    : "'" + method.asText() + "'") + "; the Batch API only runs POST requests.", "method", n);
        }
        JsonNode url = line.json().get("url");
        if (url == null || !endpoint.equals(url.asText())) {
            return new LineError("url_mismatch", "Line " + n + " has url " + (url == null ? "missing"
                    : "'" + url.asText() + "'") + ", but the batch's endpoint is '" + endpoint + "'.", "url", n);
        }
        JsonNode body = line.json().get("body");
        if (body == null || !body.isObject()) {
            return new LineError("invalid_request", "Line " + n + " has no body object.", "body", n);
        }
        JsonNode model = body.get("model");
        if (model != null && model.isTextual() && catalog.find(model.asText()).isEmpty()) {
            return new LineError("model_not_found", "Line " + n + " uses model '" + model.asText()
                    + "', which does not exist or you do not have access to it.", "body.model", n);
        }
        return null;
    }
}
