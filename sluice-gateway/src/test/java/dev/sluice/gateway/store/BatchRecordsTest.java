package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The Batch API's rows on both backends: the status machine, at-most-once line results, claims, file listing. */
class BatchRecordsTest {

    @TempDir
    Path tmp;

    private final FakeTime clock = FakeTime.at("2026-03-01T10:00:00Z");

    private record World(Database db, Project project, BatchRecords batches, FileRecords files) {}

    private World world(TestDb t) {
        AccessStore store = new AccessStore(t.db(), clock);
        Organization org = store.organizations().create("Acme");
        Project project = store.projects().create(org.id(), "Batchy");
        return new World(t.db(), project, new BatchRecords(t.db()), new FileRecords(t.db()));
    }

    private BatchRecord newBatch(World w) {
        Instant now = clock.instant();
        BatchRecord b = new BatchRecord(BatchRecords.newId(), w.project().orgId(), w.project().id(), null,
                "/v1/chat/completions", "file-x", "in.jsonl", "24h", Map.of("k", "v"), BatchStatus.VALIDATING, null,
                null, null, BatchRecord.Counts.ZERO, BatchRecord.Times.created(now, now.plus(Duration.ofHours(24))));
        w.batches().insert(b);
        return b;
    }

    private static LineResult line(String id, int no, boolean ok) {
        return new LineResult(id, no, ok, "{\"custom_id\":\"" + id + "\"}");
    }

    @BothBackends
    void aLineResultIsRecordedOnceAndTheCountsMoveOnlyForNewLines(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            BatchRecord b = newBatch(w);
            assertThat(w.batches().toInProgress(b.id(), 4, clock.instant())).isTrue();
            assertThat(w.batches().recordLines(b.id(), List.of(line("a", 1, true), line("b", 2, false)), clock.instant()))
                    .isEqualTo(2);
            // a resumed runner reporting "b" again, plus a new line
            assertThat(w.batches().recordLines(b.id(), List.of(line("b", 2, true), line("c", 3, true)), clock.instant()))
                    .isEqualTo(1);
            BatchRecord now = w.batches().get(b.id()).orElseThrow();
            assertThat(now.counts()).isEqualTo(new BatchRecord.Counts(4, 2, 1));
            assertThat(w.batches().finishedCustomIds(b.id())).containsExactlyInAnyOrder("a", "b", "c");
            List<String> ok = new ArrayList<>();
            w.batches().forEachLine(b.id(), true, ok::add);
            assertThat(ok).containsExactly("{\"custom_id\":\"a\"}", "{\"custom_id\":\"c\"}");
            assertThat(now.metadata()).containsEntry("k", "v");
        }
    }

    @BothBackends
    void statusChangesAreCompareAndSet(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            BatchRecord b = newBatch(w);
            assertThat(w.batches().toFinalizing(b.id(), clock.instant())).as("not in progress yet").isFalse();
            assertThat(w.batches().toInProgress(b.id(), 1, clock.instant())).isTrue();
            assertThat(w.batches().toInProgress(b.id(), 1, clock.instant())).isFalse();
            assertThat(w.batches().toCancelling(b.id(), clock.instant())).isTrue();
            assertThat(w.batches().finish(b.id(), BatchStatus.EXPIRED, null, null, clock.instant()))
                    .as("expiry lost the race with the cancel").isFalse();
            assertThat(w.batches().finish(b.id(), BatchStatus.CANCELLED, null, null, clock.instant())).isTrue();
            assertThat(w.batches().toCancelling(b.id(), clock.instant())).isFalse();
            BatchRecord done = w.batches().get(b.id()).orElseThrow();
            assertThat(done.status()).isEqualTo(BatchStatus.CANCELLED);
            assertThat(done.times().cancelledAt()).isEqualTo(clock.instant());
            assertThat(w.batches().activeIds()).doesNotContain(b.id());
        }
    }

    @BothBackends
    void validationErrorsSurviveTheRoundTrip(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            BatchRecord b = newBatch(w);
            List<BatchRecord.LineError> errors = List.of(new BatchRecord.LineError("invalid_json_line", "bad", null, 3),
                    new BatchRecord.LineError("empty_file", "none", null, null));
            assertThat(w.batches().toFailed(b.id(), errors, clock.instant())).isTrue();
            assertThat(w.batches().get(b.id()).orElseThrow().errors()).isEqualTo(errors);
        }
    }

    @BothBackends
    void aClaimHoldsUntilItLapses(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            BatchRecord b = newBatch(w);
            Instant now = clock.instant();
            assertThat(w.batches().claim(b.id(), "gw1", now.plusSeconds(30), now)).isTrue();
            assertThat(w.batches().claim(b.id(), "gw2", now.plusSeconds(30), now)).isFalse();
            assertThat(w.batches().claim(b.id(), "gw1", now.plusSeconds(60), now)).as("renewal").isTrue();
            assertThat(w.batches().claim(b.id(), "gw2", now.plusSeconds(90), now.plusSeconds(61))).isTrue();
            w.batches().releaseAllClaims();
            assertThat(w.batches().claim(b.id(), "gw3", now.plusSeconds(30), now)).isTrue();
        }
    }

    @BothBackends
    void filesListByProjectWithACursorInBothOrders(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String id = FileRecords.newId();
                ids.add(id);
                w.files().insert(new FileRecord(id, w.project().orgId(), w.project().id(), "batch", "f.jsonl", 10, 1,
                        "processed", id, clock.instant()));
                clock.advance(Duration.ofSeconds(1));
            }
            Page<FileRecord> first = w.files().list(w.project().id(), null, null, 2, false);
            assertThat(first.items()).extracting(FileRecord::id).containsExactly(ids.get(4), ids.get(3));
            assertThat(first.hasMore()).isTrue();
            Page<FileRecord> rest = w.files().list(w.project().id(), null, ids.get(3), 10, false);
            assertThat(rest.items()).extracting(FileRecord::id).containsExactly(ids.get(2), ids.get(1), ids.get(0));
            assertThat(rest.hasMore()).isFalse();
            Page<FileRecord> asc = w.files().list(w.project().id(), "batch", ids.get(1), 2, true);
            assertThat(asc.items()).extracting(FileRecord::id).containsExactly(ids.get(2), ids.get(3));
            assertThat(w.files().list(w.project().id(), "batch_output", null, 10, false).items()).isEmpty();
            assertThat(w.files().delete(w.project().id(), ids.get(0))).isTrue();
            assertThat(w.files().find(w.project().id(), ids.get(0))).isEmpty();
        }
    }
}
