package dev.sluice.client.batch;

import dev.sluice.protocol.wire.Batch;

import java.util.List;
import java.util.Optional;

/** A finished batch and one result per input, in input order. */
public record BatchRun(Batch batch, List<BatchResult> results) {

    public BatchRun {
        results = List.copyOf(results);
    }

    public List<BatchResult.Succeeded> succeeded() {
        return of(BatchResult.Succeeded.class);
    }

    public List<BatchResult.Failed> failed() {
        return of(BatchResult.Failed.class);
    }

    public List<BatchResult.Missing> missing() {
        return of(BatchResult.Missing.class);
    }

    public Optional<BatchResult> get(String customId) {
        return results.stream().filter(r -> r.customId().equals(customId)).findFirst();
    }

    private <R extends BatchResult> List<R> of(Class<R> type) {
        return results.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
