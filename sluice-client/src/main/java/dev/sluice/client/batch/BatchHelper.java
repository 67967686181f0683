package dev.sluice.client.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.client.ApiConnectionException;
import dev.sluice.client.ApiTimeoutException;
import dev.sluice.client.SluiceClient;
import dev.sluice.client.internal.Json;
import dev.sluice.protocol.wire.Batch;
import dev.sluice.protocol.wire.BatchCreateRequest;
import dev.sluice.protocol.wire.BatchOutputLine;
import dev.sluice.protocol.wire.FileObject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs a list of requests through the Batch API and returns one result per input, matched by custom_id:
 * {@code run} = {@link #toJsonl} → upload ({@code purpose=batch}) → create → {@link #await} (polls with the client's
 * clock and sleeper, reporting each state to a callback) → download output and error files → {@link #match}.
 */
public final class BatchHelper {
    private final SluiceClient client;

    public BatchHelper(SluiceClient client) {
        this.client = Objects.requireNonNull(client);
    }

    /**
     * @param pollInterval     wait between polls
     * @param maxWait          give up polling after this long ({@link ApiTimeoutException}; the batch keeps running)
     * @param completionWindow the batch's window ({@code 24h})
     * @param metadata         the batch's metadata
     */
    public record Options(Duration pollInterval, Duration maxWait, String completionWindow,
                          Map<String, String> metadata) {
        public Options {
            Objects.requireNonNull(pollInterval);
            Objects.requireNonNull(maxWait);
            Objects.requireNonNull(completionWindow);
            metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofHours(25), "24h", Map.of());
        }

        public Options pollInterval(Duration d) {
            return new Options(d, maxWait, completionWindow, metadata);
        }

        public Options maxWait(Duration d) {
            return new Options(pollInterval, d, completionWindow, metadata);
        }

        public Options metadata(Map<String, String> m) {
            return new Options(pollInterval, maxWait, completionWindow, m);
        }
    }

    /** The input file: one JSON line per request. Custom ids must be unique and all URLs the same endpoint. */
    public static byte[] toJsonl(List<BatchRequest> requests) {
        if (requests.isEmpty()) throw new IllegalArgumentException("a batch needs at least one request");
        Set<String> seen = new HashSet<>();
        String url = requests.get(0).url();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (BatchRequest r : requests) {
            if (!seen.add(r.customId())) throw new IllegalArgumentException("duplicate custom_id: " + r.customId());
            if (!r.url().equals(url)) {
                throw new IllegalArgumentException("all requests of a batch must use one endpoint: " + url + " and "
                        + r.url());
            }
            out.writeBytes(Json.bytes(r));
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** Upload, create, poll to a final status, and match the results. */
    public BatchRun run(List<BatchRequest> requests, Options options, Consumer<Batch> progress) {
        byte[] jsonl = toJsonl(requests);
        FileObject file = client.files().upload("batch-input.jsonl", jsonl, "batch");
        Batch created = client.batches().create(new BatchCreateRequest(file.id(), requests.get(0).url(),
                options.completionWindow(), options.metadata().isEmpty() ? null : options.metadata()));
        progress.accept(created);
        Batch done = created.isTerminal() ? created : await(created.id(), options, progress);
        return new BatchRun(done, results(done, requests));
    }

    /** Polls until the batch is completed, failed, expired or cancelled, reporting every state seen. */
    public Batch await(String batchId, Options options, Consumer<Batch> progress) {
        Instant start = client.clock().instant();
        Batch b = client.batches().retrieve(batchId);
        progress.accept(b);
        while (!b.isTerminal()) {
            Duration waited = Duration.between(start, client.clock().instant());
            if (waited.plus(options.pollInterval()).compareTo(options.maxWait()) > 0) {
                throw new ApiTimeoutException("Batch " + batchId + " is still " + b.status() + " after "
                        + waited.toSeconds() + " s (maxWait " + options.maxWait().toSeconds() + " s)", null);
            }
            try {
                client.sleeper().sleep(options.pollInterval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiConnectionException("Polling batch " + batchId + " was cancelled", e);
            }
            b = client.batches().retrieve(batchId);
            progress.accept(b);
        }
        return b;
    }

    /** Downloads the batch's output and error files (when it has them) and matches them to the inputs. */
    public List<BatchResult> results(Batch batch, List<BatchRequest> requests) {
        String output = batch.outputFileId() == null ? "" : text(batch.outputFileId());
        String errors = batch.errorFileId() == null ? "" : text(batch.errorFileId());
        return match(requests, output, errors, batch.errors());
    }

    /**
     * One result per input, in input order: a line of either file with the input's custom_id, else a validation
     * error naming the input's (1-based) line, else {@link BatchResult.Missing}. Unreadable lines and unknown ids
     * are skipped.
     */
    public static List<BatchResult> match(List<BatchRequest> requests, String outputJsonl, String errorJsonl,
                                          Batch.Errors validationErrors) {
        Map<String, BatchResult> byId = new HashMap<>();
        for (String file : new String[] {outputJsonl, errorJsonl}) {
            for (String line : file == null ? new String[0] : file.split("\r?\n")) {
                if (line.isBlank()) continue;
                BatchOutputLine parsed;
                try {
                    parsed = Json.MAPPER.readValue(line, BatchOutputLine.class);
                } catch (Exception unreadable) {
                    continue;
                }
                if (parsed.customId() != null) byId.putIfAbsent(parsed.customId(), toResult(parsed));
            }
        }
        if (validationErrors != null) {
            for (Batch.Error e : validationErrors.data()) {
                if (e.line() == null || e.line() < 1 || e.line() > requests.size()) continue;
                String id = requests.get(e.line() - 1).customId();
                byId.putIfAbsent(id, new BatchResult.Failed(id, null, e.code(), e.message(), null, null));
            }
        }
        List<BatchResult> out = new ArrayList<>(requests.size());
        for (BatchRequest r : requests) {
            out.add(byId.getOrDefault(r.customId(), new BatchResult.Missing(r.customId())));
        }
        return out;
    }

    private static BatchResult toResult(BatchOutputLine line) {
        if (line.error() != null) {
            return new BatchResult.Failed(line.customId(), null, line.error().code(), line.error().message(), null, null);
        }
        BatchOutputLine.Response r = line.response();
        if (r == null) return new BatchResult.Failed(line.customId(), null, null, "line without response or error",
                null, null);
        if (r.statusCode() >= 200 && r.statusCode() < 300) {
            return new BatchResult.Succeeded(line.customId(), r.statusCode(), r.requestId(), r.body());
        }
        JsonNode err = r.body() == null ? null : r.body().get("error");
        String code = null, message = null;
        if (err != null && err.isObject()) {
            code = err.hasNonNull("code") ? err.get("code").asText()
                    : err.hasNonNull("type") ? err.get("type").asText() : null;
            message = err.hasNonNull("message") ? err.get("message").asText() : null;
        }
        return new BatchResult.Failed(line.customId(), r.statusCode(), code, message, r.requestId(), r.body());
    }

    private String text(String fileId) {
        return new String(client.files().content(fileId), StandardCharsets.UTF_8);
    }
}
